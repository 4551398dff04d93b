"""Wrong design: the front door checks only that there is an order id, and leaves the amount to
the worker. An order with a negative, fractional, textual or missing amount is answered 202 and
queued: the client is told it was accepted, and the worker charges nonsense or fails on it
again and again. Caught by: accepts-before-charging."""

REPLACE = [
    ("""\
    valid = (order is not None and isinstance(order.get("order_id"), str) and order["order_id"]
             and type(order.get("amount")) is int and order["amount"] > 0)
""",
     """\
    valid = order is not None and bool(order.get("order_id"))
"""),
]
