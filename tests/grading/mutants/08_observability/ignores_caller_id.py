"""Planted bug: the api always mints a new id, even when the caller sent x-correlation-id:
the client quotes an id that is in no log line.
Caught by: id-at-the-edge."""

REPLACE = [
    ("""\
    correlation_id = headers.get("x-correlation-id") or str(uuid.uuid4())
""",
     """\
    correlation_id = str(uuid.uuid4())
"""),
]
