"""Planted bug: the lesson's fix 1 (a conditional put claims the order) with no stored receipt:
duplicates are not charged, but they answer "duplicate" instead of the first receipt.
Caught by: same-receipt."""
import os

import boto3
from labkit.faults import Downstream

provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab02-provider"))
TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    try:
        dynamodb.put_item(TableName=TABLE, ConditionExpression="attribute_not_exists(id)",
                          Item={"id": {"S": order_id}, "amount": {"N": str(amount)}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        stored = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": order_id}},
                                   ConsistentRead=True)["Item"]
        if stored["amount"]["N"] != str(amount):
            raise ValueError("same order id, different amount")
        return {"order_id": order_id, "status": "duplicate"}
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
