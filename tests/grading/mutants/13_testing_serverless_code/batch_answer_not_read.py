"""Planted bug (in the learner's tests): the batch test only asks that some record is reported,
not which, so an adapter that reports the whole batch (every good booking retried) passes.
Caught by: unit-tests."""

REPLACE = [
    ("""assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}""",
     """assert answer["batchItemFailures"]"""),
]
