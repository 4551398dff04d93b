"""Planted bug: reads the payment record, then charges and writes: two copies running at the
same time both see no record and both charge. Caught by: concurrent-duplicates (it passes
sequential-duplicates)."""
import os

import boto3
from labkit.faults import Downstream, DownstreamRejected, DownstreamUnavailable

TABLE = os.environ.get("PAYMENTS_TABLE", "lab99-payments")
provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab99-provider"))
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
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
    dynamodb.put_item(TableName=TABLE, Item={
        "order_id": {"S": order_id}, "status": {"S": "charged"},
        "charge_id": {"S": charge["call_id"]}})
    return {"order_id": order_id, "status": "charged", "charge_id": charge["call_id"]}
