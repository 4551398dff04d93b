"""Planted bug: Powertools idempotency, but no idempotency key for the provider: after a crash
right after the charge, the retry charges again once INPROGRESS expires.
Caught by: crash-after-charge."""
import os

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
from labkit.faults import Downstream

provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab02-provider"))
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency"))
config = IdempotencyConfig(event_key_jmespath="order_id", payload_validation_jmespath="amount")


@idempotent(config=config, persistence_store=persistence)
def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    charge = provider.call(order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
