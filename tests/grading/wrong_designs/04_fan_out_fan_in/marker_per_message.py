"""Wrong design: the student takes lab 02's idempotency key, the SQS messageId, for the per-chunk
marker: the transaction writes "{job}#chunk#{messageId}" with attribute_not_exists, so a
message seen before is not counted twice. That stops a redelivery (same message, same id), but
a chunk the producer sent twice is two messages with two ids: both are counted, the job
completes a chunk early and the report misses a chunk's flights.
Caught by: duplicates-reordered."""

REPLACE = [
    ("""\
        if count_chunk(job, chunk):
""",
     """\
        if count_chunk(job, record["messageId"]):   # the message's id: the idempotency key
"""),
]
