"""Planted bug: the query filters the right lines but keeps them in the order the log groups
and streams were read, not in time order.
Caught by: failed-request-path."""

REPLACE = [
    ("""\
    return frame[own | theirs].sort_values("time", kind="stable")
""",
     """\
    return frame[own | theirs]
"""),
]
