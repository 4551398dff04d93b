"""Planted bug: the provider's idempotency key is the literal string "order_id" (copied from
event_key_jmespath="order_id" a few lines up) instead of the order's id. Every order shares one
key: the provider answers each order after the first with the first order's charge, so they are
answered but never charged. (No single slip of this solution charges a repeat twice: the records
and the provider's key each stop it; this one breaks "exactly one charge per order" the other way.)
Caught by: repeated-deliveries."""

REPLACE = [
    ("""\
    charge = provider.call(key=order_id, order_id=order_id, amount=amount)
""",
     """\
    charge = provider.call(key="order_id", order_id=order_id, amount=amount)
"""),
]
