"""Wrong design: the refund is "fire and forget": a refund the refunds API turns down is
logged and the order recorded as refunded anyway, so during a refund outage the customer keeps
paying for an order that never ships.
Caught by: refunded-when-refused."""

REPLACE = [
    ("""\
        with_retries(lambda: refunds.call(key=f"refund-{order['id']}", order_id=order["id"],
                                          amount=order["amount"]))
""",
     """\
        try:
            refunds.call(key=f"refund-{order['id']}", order_id=order["id"],
                         amount=order["amount"])
        except DownstreamUnavailable as e:
            print(f"refund failed, will be reconciled later: {e}")
"""),
]
