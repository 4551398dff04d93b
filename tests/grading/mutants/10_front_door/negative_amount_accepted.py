"""Planted bug: the amount only has to be a whole number: a negative amount is accepted (202)
and queued. Caught by: accepts-before-charging."""

REPLACE = [
    ("""\
             and type(order.get("amount")) is int and order["amount"] > 0)
""",
     """\
             and type(order.get("amount")) is int)
"""),
]
