"""Wrong design: the student writes the records by hand - a conditional put claims the order
INPROGRESS, the receipt is stored COMPLETED - and, worried about a claim left behind by a
crashed environment (task 3), catches the conditional failure: a COMPLETED record is answered
with its receipt, but an INPROGRESS one is "probably dead", so the duplicate takes over and
charges. With two copies running at the same moment the second always finds the first still
INPROGRESS and charges the customer a second time.
Caught by: concurrent-duplicates."""

REPLACE = [
    ("""\
import os
""",
     """\
import json
import os
"""),
    ("""\
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
""",
     """\
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
    # task 3: the provider's own key covers a crash between the charge and COMPLETED
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
""",
     """\
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    try:
        dynamodb.put_item(TableName=IDEMPOTENCY_TABLE, Item={
            "id": {"S": order_id}, "status": {"S": "INPROGRESS"}, "amount": {"N": str(amount)}},
            ConditionExpression="attribute_not_exists(id)")
    except dynamodb.exceptions.ConditionalCheckFailedException:
        record = dynamodb.get_item(TableName=IDEMPOTENCY_TABLE, Key={"id": {"S": order_id}},
                                   ConsistentRead=True)["Item"]
        if record["amount"]["N"] != str(amount):
            raise ValueError("same order id, different amount")
        if record["status"]["S"] == "COMPLETED":
            return json.loads(record["receipt"]["S"])
        # INPROGRESS: the claimer probably crashed, carry on in its place
    charge = provider.call(order_id=order_id, amount=amount)
    receipt = {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
    dynamodb.put_item(TableName=IDEMPOTENCY_TABLE, Item={
        "id": {"S": order_id}, "status": {"S": "COMPLETED"}, "amount": {"N": str(amount)},
        "receipt": {"S": json.dumps(receipt)}})
    return receipt
"""),
]
