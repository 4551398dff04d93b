"""Planted bug: a permanent rejection raises (a queue would retry it forever).
Caught by: permanent-failure."""
import os
import time

import boto3
from labkit.faults import Downstream, DownstreamRejected, DownstreamUnavailable

TABLE = os.environ.get("PAYMENTS_TABLE", "lab99-payments")
provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab99-provider"))
dynamodb = boto3.client("dynamodb")


def charge_with_retries(order_id, amount, attempts=3):
    for attempt in range(attempts):
        try:
            # the order id as idempotency key: every delivery of this order is the same charge
            return provider.call(key=order_id, order_id=order_id, amount=amount)
        except DownstreamUnavailable:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2 ** attempt)


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    charge = charge_with_retries(order_id, amount)  # planted bug: a rejection raises
    dynamodb.put_item(TableName=TABLE, Item={
        "order_id": {"S": order_id}, "status": {"S": "charged"},
        "charge_id": {"S": charge["call_id"]}})
    return {"order_id": order_id, "status": "charged", "charge_id": charge["call_id"]}
