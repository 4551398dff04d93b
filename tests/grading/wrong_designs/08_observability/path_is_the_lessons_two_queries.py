"""Wrong design: the learner translates lesson 08's section 5 into pandas, query for query: the
lines of the correlation id, then "a second query collects them from the request ids of the
first", the two results concatenated and sorted by time. In Logs Insights that second query
filters the runtime's own fields (record.requestId, requestId), which only the platform records
and the runtime's error report carry; in the frame, request_id is filled for every line,
the handlers' own lines too (from function_request_id). So the second half brings every line of
the request back a second time, and the lines of the other requests that shared an SQS batch
with it: support reads each step twice and follows other customers' orders in the middle of
this one.
Caught by: failed-request-path."""

REPLACE = [
    ("""\
    own = frame["correlation_id"] == correlation_id
    invocations = set(frame.loc[own, "request_id"].dropna())
    # id-less lines of those invocations: platform.start/report, the runtime's error report;
    # not the lines of other requests that shared a batch (they carry their own id)
    theirs = frame["correlation_id"].isna() & frame["request_id"].isin(invocations)
    return frame[own | theirs].sort_values("time", kind="stable")
""",
     """\
    import pandas as pd

    # the lesson's first query: every line of the correlation id
    lines = frame[frame["correlation_id"] == correlation_id]
    # its second query: the lines of those invocations' request ids (platform records, errors)
    invocations = set(lines["request_id"].dropna())
    platform = frame[frame["request_id"].isin(invocations)]
    return pd.concat([lines, platform]).sort_values("time", kind="stable")
"""),
]
