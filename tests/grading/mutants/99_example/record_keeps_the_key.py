"""Planted bug: the payment record stores charge["key"], the idempotency key the provider echoes
back (the order id), as its charge_id instead of charge["call_id"]: the charge and the answer are
right, but the record names no charge the provider knows (a refund by charge id finds nothing).
Caught by: charges-and-records."""

REPLACE = [
    ("""\
        "charge_id": {"S": charge["call_id"]}})
""",
     """\
        "charge_id": {"S": charge["key"]}})
"""),
]
