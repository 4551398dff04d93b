"""Wrong design: the lesson's first fix, half-read: the handler claims the order with a conditional
put (attribute_not_exists) before charging, so a second delivery can never charge again, and a
duplicate that loses the condition just fails. Nothing is charged twice, but a duplicate never
gets its receipt: the queue hands it out again and again until it lands in the DLQ, as a failed
order that was in fact paid (the caller retries, support refunds). The receipt must be stored
with the claim and returned to every copy.
Caught by: same-receipt."""

REPLACE = [
    ("""\
import os

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
""",
     """\
import os

import boto3
"""),
    ("""\
persistence = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE)
config = IdempotencyConfig(
    event_key_jmespath="order_id",         # task 1: the same order id = the same request
    payload_validation_jmespath="amount",  # task 4: a retry must not change the amount
    raise_on_no_idempotency_key=True)


# @idempotent claims the key INPROGRESS with a conditional put (task 2), stores the receipt as
# COMPLETED and replays it (task 1), and registers the context so INPROGRESS expires with the
# invocation.
@idempotent(config=config, persistence_store=persistence)
def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
""",
     """\
claims = boto3.resource("dynamodb").Table(IDEMPOTENCY_TABLE)


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    # claim the order before charging: a duplicate fails the condition (and is not charged)
    claims.put_item(Item={"id": order_id}, ConditionExpression="attribute_not_exists(id)")
"""),
]
