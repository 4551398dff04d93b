"""Planted bug: notify does not read the id from the SNS message: it starts a new one, a new
haystack for the last hop.
Caught by: same-id-every-hop."""

REPLACE = [
    ("""\
        correlation_id = attribute["Value"] if attribute else order["correlation_id"]
""",
     """\
        correlation_id = str(uuid.uuid4())
"""),
]
