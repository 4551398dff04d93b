"""Planted bug: the lesson's fix 1 (a conditional put claims the order) with no stored receipt:
duplicates are not charged, but they answer "duplicate" instead of the first receipt.
Caught by: same-receipt."""

REPLACE = [
    ("""\
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
""",
     """\
import boto3
"""),
    ("""\
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
""",
     """\
TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
dynamodb = boto3.client("dynamodb")
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
""",
     ""),
    ("""\
    # task 3: the provider's own key covers a crash between the charge and COMPLETED
""",
     """\
    try:
        dynamodb.put_item(TableName=TABLE, ConditionExpression="attribute_not_exists(id)",
                          Item={"id": {"S": order_id}, "amount": {"N": str(amount)}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        stored = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": order_id}},
                                   ConsistentRead=True)["Item"]
        if stored["amount"]["N"] != str(amount):
            raise ValueError("same order id, different amount")
        return {"order_id": order_id, "status": "duplicate"}
"""),
]
