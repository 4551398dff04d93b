"""Wrong design: the student read that the provider takes an idempotency key "like Stripe's
Idempotency-Key, a unique value per request", and passes context.aws_request_id, dropping the
idempotency records as redundant. Every retry inside one invocation would be safe, but a queue's
redelivery is a new invocation with a new request id: the provider sees a new key each time and
charges the customer again on every delivery.
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
""",
     ""),
    ("""\
    # task 3: the provider's own key covers a crash between the charge and COMPLETED
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
""",
     """\
    # a unique key per request: the provider answers a repeated one with the first charge
    charge = provider.call(key=context.aws_request_id, order_id=order_id, amount=amount)
"""),
]
