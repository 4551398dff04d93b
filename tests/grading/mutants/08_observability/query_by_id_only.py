"""Planted bug: the query keeps only the lines that carry the correlation id: the runtime's
platform.start/report lines and its report of the unhandled error are lost.
Caught by: failed-request-path."""

REPLACE = [
    ("""\
    return frame[own | theirs].sort_values("time", kind="stable")
""",
     """\
    return frame[own].sort_values("time", kind="stable")
"""),
]
