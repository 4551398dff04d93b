"""Wrong design: the student keeps the handler thin and puts Powertools' @idempotent_function on
an inner charge(order) function, with the right key, payload validation and provider key, but
never calls config.register_lambda_context(context) (the @idempotent handler decorator did it
for them). The INPROGRESS record then carries no in-progress expiry: when the environment dies
right after the charge, the record stays INPROGRESS until the whole record expires (an hour by
default), and every redelivery in between fails "already in progress" - the order is charged
but never answered, and lands in the DLQ.
Caught by: crash-after-charge."""

REPLACE = [
    ("""\
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
""",
     """\
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function)
"""),
    ("""\
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
@idempotent_function(data_keyword_argument="order", config=config,
                     persistence_store=persistence)
def charge(order):
    order_id, amount = order["order_id"], order["amount"]
    # task 3: the provider's own key covers a crash between the charge and COMPLETED
    call = provider.call(key=order_id, order_id=order_id, amount=amount)
    return {"order_id": order_id, "amount": amount, "charge_id": call["call_id"]}


def handler(event, context):
    return charge(order=event)
"""),
]
