"""Planted bug: a resend charges nothing but is answered 200 "CONFIRMED", as if it had been
charged: the client cannot tell a confirmation from a duplicate. Caught by: retry-charges-once."""

REPLACE = [
    ("""\
        return answer(409, {"order_id": order["order_id"], "status": "ALREADY_ACCEPTED"})
""",
     """\
        return answer(200, {"order_id": order["order_id"], "status": "CONFIRMED"})
"""),
]
