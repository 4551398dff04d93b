"""Planted bug: Powertools idempotency, but no idempotency key for the provider: after a crash
right after the charge, the retry charges again once INPROGRESS expires.
Caught by: crash-after-charge."""

REPLACE = [
    ("""\
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
""",
     """\
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency"))
config = IdempotencyConfig(event_key_jmespath="order_id", payload_validation_jmespath="amount")
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
""",
     ""),
    ("""\
    # task 3: the provider's own key covers a crash between the charge and COMPLETED
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
""",
     """\
    charge = provider.call(order_id=order_id, amount=amount)
"""),
]
