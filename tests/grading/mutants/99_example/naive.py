"""Planted bug: charges on every delivery. Caught by: sequential-duplicates."""
import os

import boto3
from labkit.faults import Downstream, DownstreamRejected, DownstreamUnavailable

TABLE = os.environ.get("PAYMENTS_TABLE", "lab99-payments")
provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab99-provider"))
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    for attempt in range(3):
        try:
            charge = provider.call(order_id=order_id, amount=amount)  # no idempotency key
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
