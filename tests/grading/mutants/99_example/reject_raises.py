"""Planted bug: a permanent rejection raises (a queue would retry it forever).
Caught by: permanent-failure."""

REPLACE = [
    ("""\
def charge_with_retries(order_id, amount, attempts=3):
""",
     """\

def charge_with_retries(order_id, amount, attempts=3):
"""),
    ('''\
    """Retry only what may succeed later; the order id is the idempotency key, so every
    delivery of an order (even after a crash right after the charge) is the same charge."""
''',
     ""),
    ("""\
        try:
""",
     """\
        try:
            # the order id as idempotency key: every delivery of this order is the same charge
"""),
    ("""\
    try:
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
""",
     """\
    charge = charge_with_retries(order_id, amount)  # planted bug: a rejection raises
"""),
]
