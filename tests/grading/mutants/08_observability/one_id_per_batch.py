"""Planted bug: orders sets the correlation id once per batch, from the first record, so the
lines of every other request in the batch carry the wrong id.
Caught by: same-id-every-hop."""

REPLACE = [
    ("""\
    failures = []
""",
     """\
    failures = []
    first = event["Records"][0]
    correlation_id = first["messageAttributes"]["correlation_id"]["stringValue"]
    logger.set_correlation_id(correlation_id)
"""),
    ("""\
        # task 2: per record, before its first line: one batch mixes several requests
        correlation_id = record["messageAttributes"]["correlation_id"]["stringValue"]
        logger.set_correlation_id(correlation_id)
""",
     ""),
]
