"""Wrong design: idempotency by a "seen" marker: the worker skips an order whose record exists
and charges without a key otherwise. The record is written after the charge, so a crash
between the two (the environment dies right after the charge) leaves no marker, and the
redelivered batch charges again.
Caught by: charged-exactly-once."""

REPLACE = [
    ("""\
    with_retries(lambda: payments.call(key=f"charge-{order['id']}", order_id=order["id"],
""",
     """\
    if "Item" in dynamodb.get_item(TableName=ORDERS_TABLE, Key={"order_id": {"S": order["id"]}},
                                   ConsistentRead=True):
        return   # seen before: already charged
    with_retries(lambda: payments.call(key=None, order_id=order["id"],
"""),
]
