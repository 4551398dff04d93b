"""Wrong design: "a failed order must show up as a failed invocation" - the student reports
every transient failure in batchItemFailures, then raises at the end of the batch when there were
any, so that the function's Errors metric (and an alarm on it) sees them. A raised error makes
Lambda ignore the response: the whole batch goes back to the queue, and the good orders that
shared it with a payment timeout are charged again on every retry.
Caught by: transient-retried."""

REPLACE = [
    ("""\
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
    return {"batchItemFailures": failures}
""",
     """\
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
    if failures:   # make the failures visible: the invocation counts as an error
        raise RuntimeError(f"{len(failures)} order(s) failed: {failures}")
    return {"batchItemFailures": failures}
"""),
]
