"""Wrong design: the student configures Powertools with payload validation on the amount but
no event_key_jmespath, trusting that "Powertools hashes the event". The idempotency key is then
the hash of the whole event, amount included: a retry with another amount is a new key, never
compared with anything, so it is answered with a receipt for the new amount (the provider,
keyed on the order id, hands back the first charge) instead of being rejected.
Caught by: tampered-retry."""

REPLACE = [
    ("""\
config = IdempotencyConfig(
    event_key_jmespath="order_id",         # task 1: the same order id = the same request
    payload_validation_jmespath="amount",  # task 4: a retry must not change the amount
    raise_on_no_idempotency_key=True)
""",
     """\
config = IdempotencyConfig(
    payload_validation_jmespath="amount",  # task 4: a retry must not change the amount
    raise_on_no_idempotency_key=True)
"""),
]
