"""Wrong design: the lesson capped its mapping with MaximumConcurrency = the downstream's capacity
(there every execution held one connection), so the student sets the limit to
downstream_capacity and skips connections_per_execution. Each execution of this worker holds
several connections: at that many executions the downstream gets a multiple of what it can take
and refuses the rest, which the lesson's recipe was meant to prevent.
Caught by: peak-within-limit."""

REPLACE = [
    ("""\
    return capacity // connections_per_execution      # whole executions: round down, never up
""",
     """\
    return capacity                                   # the lesson: MaximumConcurrency = capacity
"""),
]
