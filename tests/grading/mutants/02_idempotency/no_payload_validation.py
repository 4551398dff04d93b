"""Planted bug: Powertools idempotency and a provider key, but no payload_validation_jmespath:
a retry with the same order id and another amount gets the stored receipt instead of an
error. Caught by: tampered-retry."""
import os

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
from labkit.faults import Downstream

provider = Downstream(os.environ.get("PAYMENT_PROVIDER", "lab02-provider"))
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency"))
config = IdempotencyConfig(event_key_jmespath="order_id")


@idempotent(config=config, persistence_store=persistence)
def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
