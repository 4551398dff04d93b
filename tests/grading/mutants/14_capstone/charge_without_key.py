"""Planted bug: the charge goes without its idempotency key, so the batch a crash sends back
(the environment died right after a charge) charges its orders again.
Caught by: charged-exactly-once."""

REPLACE = [
    ("""\
    with_retries(lambda: payments.call(key=f"charge-{order['id']}", order_id=order["id"],
""",
     """\
    with_retries(lambda: payments.call(key=None, order_id=order["id"],
"""),
]
