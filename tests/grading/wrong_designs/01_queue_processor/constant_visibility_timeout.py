"""Wrong design: the lab says the checker deploys the handler with a 3-second function timeout,
so the student works the rule out once, 6 x 3 s + the batching window, and hard-codes the 3 s.
Any function with a longer timeout gets its messages handed to a second consumer while the
first still works on them.
Caught by: configuration."""

REPLACE = [
    ("""\
    visibility = 6 * event["function_timeout_s"] + event["batching_window_s"]
""",
     """\
    visibility = 6 * 3 + event["batching_window_s"]   # the function's timeout is 3 s
"""),
]
