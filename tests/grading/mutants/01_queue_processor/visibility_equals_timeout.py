"""Planted bug: visibility timeout = function timeout (what Lambda accepts, not the 6x rule).
Caught by: configuration."""

REPLACE = [
    ("""\
    visibility = 6 * event["function_timeout_s"] + event["batching_window_s"]
""",
     """\
    visibility = event["function_timeout_s"]
"""),
]
