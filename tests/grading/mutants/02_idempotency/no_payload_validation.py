"""Planted bug: Powertools idempotency and a provider key, but no payload_validation_jmespath:
a retry with the same order id and another amount gets the stored receipt instead of an
error. Caught by: tampered-retry."""

REPLACE = [
    ("""\
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency")
""",
     """\
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("IDEMPOTENCY_TABLE", "lab02-idempotency"))
config = IdempotencyConfig(event_key_jmespath="order_id")
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
""",
     ""),
]
