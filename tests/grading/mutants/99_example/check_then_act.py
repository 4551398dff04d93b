"""Planted bug: reads the payment record, then charges and writes: two copies running at the
same time both see no record and both charge. Caught by: concurrent-duplicates (it passes
sequential-duplicates)."""

REPLACE = [
    ("""\
import time
""",
     ""),
    ('''\
def charge_with_retries(order_id, amount, attempts=3):
    """Retry only what may succeed later; the order id is the idempotency key, so every
    delivery of an order (even after a crash right after the charge) is the same charge."""
    for attempt in range(attempts):
        try:
            return provider.call(key=order_id, order_id=order_id, amount=amount)
        except DownstreamUnavailable:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2 ** attempt)

''',
     ""),
    ("""\
    try:
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
""",
     """\
    existing = dynamodb.get_item(TableName=TABLE, Key={"order_id": {"S": order_id}},
                                 ConsistentRead=True).get("Item")
    if existing:
        return {"order_id": order_id, "status": existing["status"]["S"],
                "charge_id": existing.get("charge_id", {}).get("S")}
    for attempt in range(3):
        try:
            charge = provider.call(order_id=order_id, amount=amount)
            break
        except DownstreamUnavailable:
            if attempt == 2:
                raise
        except DownstreamRejected:
            dynamodb.put_item(TableName=TABLE, Item={
                "order_id": {"S": order_id}, "status": {"S": "rejected"}})
            return {"order_id": order_id, "status": "rejected"}
"""),
]
