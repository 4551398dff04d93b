"""Wrong design: "SQS retries for me": every failure of the payments API, transient or not, is
handed back to SQS (batchItemFailures) instead of being retried in the invocation. Nothing is
charged twice, but each of those orders waits a whole visibility timeout (six times the
function's timeout) before its next try, and the latency tail breaks the SLO.
Caught by: latency-slo."""

REPLACE = [
    ("""\
def with_retries(call, attempts=4):
""",
     """\
def with_retries(call, attempts=1):
"""),
]
