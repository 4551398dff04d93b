"""Planted bug: reads the record, then charges, then writes: two copies running at once both
find no record and both charge (and no key lets the provider catch it).
Caught by: concurrent-duplicates."""
import json
import os

import boto3
from labkit.faults import Downstream

provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab02-provider"))
TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    found = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": order_id}}, ConsistentRead=True)
    if "Item" in found:
        if found["Item"]["amount"]["N"] != str(amount):
            raise ValueError("same order id, different amount")
        return json.loads(found["Item"]["receipt"]["S"])
    charge = provider.call(order_id=order_id, amount=amount)
    receipt = {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": order_id}, "amount": {"N": str(amount)},
                                             "receipt": {"S": json.dumps(receipt)}})
    return receipt
