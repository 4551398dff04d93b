"""Planted bug: an atomic IN_PROGRESS marker guards the charge (right for concurrent copies),
but the provider is called without an idempotency key: after a crash the marker is stuck, so
retries fail until it looks stale, and then charge a second time. Caught by:
crash-after-charge (it passes concurrent-duplicates)."""

REPLACE = [
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
     """\
STALE_AFTER_S = 3  # a marker older than this "must" belong to a crashed attempt
"""),
    ("""\
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
""",
     """\
        dynamodb.put_item(TableName=TABLE, ConditionExpression="attribute_not_exists(order_id)",
                          Item={"order_id": {"S": order_id}, "status": {"S": "IN_PROGRESS"},
                                "started": {"N": str(time.time())}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        item = dynamodb.get_item(TableName=TABLE, Key={"order_id": {"S": order_id}},
                                 ConsistentRead=True)["Item"]
        if item["status"]["S"] != "IN_PROGRESS":
            return {"order_id": order_id, "status": item["status"]["S"],
                    "charge_id": item.get("charge_id", {}).get("S")}
        if time.time() - float(item["started"]["N"]) < STALE_AFTER_S:
            raise RuntimeError("another delivery of this order is in progress")
        # stale marker: assume the other attempt never charged (wrong after a crash)
    for attempt in range(3):
        try:
            charge = provider.call(order_id=order_id, amount=amount)
            break
        except DownstreamUnavailable:
            if attempt == 2:
                dynamodb.delete_item(TableName=TABLE, Key={"order_id": {"S": order_id}})
                raise
            time.sleep(0.1)
        except DownstreamRejected:
            dynamodb.put_item(TableName=TABLE, Item={
                "order_id": {"S": order_id}, "status": {"S": "rejected"}})
            return {"order_id": order_id, "status": "rejected"}
"""),
]
