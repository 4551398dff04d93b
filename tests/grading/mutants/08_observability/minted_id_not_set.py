"""Planted bug: the api only calls set_correlation_id when the caller sent an id; a minted
id is returned and queued but never logged, and Powertools keeps the previous request's
id in a warm environment, so the api's lines carry no id or someone else's.
Caught by: same-id-every-hop."""

REPLACE = [
    ("""\
    correlation_id = headers.get("x-correlation-id") or str(uuid.uuid4())
    logger.set_correlation_id(correlation_id)
""",
     """\
    correlation_id = headers.get("x-correlation-id") or str(uuid.uuid4())
    if "x-correlation-id" in headers:
        logger.set_correlation_id(correlation_id)
"""),
]
