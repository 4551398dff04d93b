"""Planted bug: the query takes every line of the invocations that handled the request, so
the lines of the other requests in the same SQS batch join its path.
Caught by: failed-request-path."""

REPLACE = [
    ("""\
    theirs = frame["correlation_id"].isna() & frame["request_id"].isin(invocations)
""",
     """\
    theirs = frame["request_id"].isin(invocations)
"""),
]
