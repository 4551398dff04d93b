"""Planted bug: a sold-out order is recorded as refunded, but the refund (the saga's
compensation) is never made.
Caught by: refunded-when-refused."""

REPLACE = [
    ("""\
        with_retries(lambda: refunds.call(key=f"refund-{order['id']}", order_id=order["id"],
                                          amount=order["amount"]))
        status = "refunded"
""",
     """\
        status = "refunded"
"""),
]
