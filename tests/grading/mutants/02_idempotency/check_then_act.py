"""Planted bug: reads the record, then charges, then writes: two copies running at once both
find no record and both charge (and no key lets the provider catch it).
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
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
""",
     """\
    found = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": order_id}}, ConsistentRead=True)
    if "Item" in found:
        if found["Item"]["amount"]["N"] != str(amount):
            raise ValueError("same order id, different amount")
        return json.loads(found["Item"]["receipt"]["S"])
    charge = provider.call(order_id=order_id, amount=amount)
    receipt = {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": order_id}, "amount": {"N": str(amount)},
                                             "receipt": {"S": json.dumps(receipt)}})
    return receipt
"""),
]
