"""Planted bug: no retry on DownstreamUnavailable. Caught by: transient-failures."""
import os
import time

import boto3
from labkit.faults import Downstream, DownstreamRejected, DownstreamUnavailable

TABLE = os.environ.get("PAYMENTS_TABLE", "lab99-payments")
provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab99-provider"))
dynamodb = boto3.client("dynamodb")


def charge_with_retries(order_id, amount):
    # planted bug: a single attempt, no retry
    return provider.call(key=order_id, order_id=order_id, amount=amount)


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    try:
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
    dynamodb.put_item(TableName=TABLE, Item={
        "order_id": {"S": order_id}, "status": {"S": "charged"},
        "charge_id": {"S": charge["call_id"]}})
    return {"order_id": order_id, "status": "charged", "charge_id": charge["call_id"]}
