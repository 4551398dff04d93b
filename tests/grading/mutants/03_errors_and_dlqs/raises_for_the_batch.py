"""Planted bug: a transient error is raised instead of reported in batchItemFailures, so SQS
retries the whole batch and the good orders in it are charged again.
Caught by: transient-retried."""

REPLACE = [
    ("""\
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
""",
     """\
            raise   # BUG: fails the whole batch
"""),
]
