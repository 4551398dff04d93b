"""Wrong design: task 1 says "an order delivered again is not charged again", so the student
remembers the orders already charged, with their receipts, in a dictionary at module level:
it survives between invocations, and trying the handler three times in a row in the notebook
shows one charge and three identical receipts. But that memory belongs to one execution
environment: a redelivery that Lambda hands to another environment (it scales out, and
recycles environments) finds an empty dictionary and charges again.
Caught by: repeated-deliveries."""

REPLACE = [
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
receipts = {}   # order id -> receipt; module level, so it outlives the invocation


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    if order_id in receipts:
        if receipts[order_id]["amount"] != amount:
            raise ValueError("same order id, different amount")
        return receipts[order_id]
    charge = provider.call(order_id=order_id, amount=amount)
    receipts[order_id] = {"order_id": order_id, "amount": amount, "charge_id": charge["call_id"]}
    return receipts[order_id]
"""),
]
