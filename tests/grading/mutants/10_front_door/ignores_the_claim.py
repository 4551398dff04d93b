"""Planted bug: claims the idempotency key but charges whatever the claim says: a resend after
a gateway timeout charges again. Caught by: retry-charges-once."""

REPLACE = [
    ("""\
    if not claim("checkout#" + key):
        return answer(409, {"order_id": order["order_id"], "status": "ALREADY_ACCEPTED"})
""",
     """\
    claim("checkout#" + key)
"""),
]
