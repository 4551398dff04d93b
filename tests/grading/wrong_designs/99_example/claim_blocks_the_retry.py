"""Wrong design: belt and braces. The student keeps the provider's idempotency key and also claims
the order before charging, with a conditional write of a "charging" record (what the hint of
concurrent-duplicates suggests); a delivery that finds the claim raises "being charged by another
delivery" so that the queue retries it later, and every failure path deletes the claim so that
a retry can charge ("a lock is always released"). A crash runs no failure path: when the
execution environment dies right after the charge, the claim stays "charging" for ever, and
every redelivery of the order is refused. The customer has paid; the order never gets its
record and ends in the DLQ as unpaid.
Caught by: crash-after-charge."""

REPLACE = [
    ("""\
    order_id, amount = event["order_id"], event["amount"]
    try:
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
""",
     """\
    order_id, amount = event["order_id"], event["amount"]
    try:                              # claim the order: one delivery at a time charges it
        dynamodb.put_item(TableName=TABLE, ConditionExpression="attribute_not_exists(order_id)",
                          Item={"order_id": {"S": order_id}, "status": {"S": "charging"}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        item = dynamodb.get_item(TableName=TABLE, Key={"order_id": {"S": order_id}},
                                 ConsistentRead=True)["Item"]
        if item["status"]["S"] == "charging":   # another delivery holds the claim: retry later
            raise RuntimeError(f"order {order_id} is being charged by another delivery")
        return {"order_id": order_id, "status": item["status"]["S"],
                **({"charge_id": item["charge_id"]["S"]} if "charge_id" in item else {})}
    try:
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
    except Exception:                 # any failure releases the claim: the retry may charge
        dynamodb.delete_item(TableName=TABLE, Key={"order_id": {"S": order_id}})
        raise
"""),
]
