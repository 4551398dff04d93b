"""Planted bug: the worker charges every message: an order the client sent twice is two
messages, and two charges. Caught by: charges-each-once."""

REPLACE = [
    ("""\
        if claim("worker#" + order["order_id"]):   # False: a duplicate, charged already
            charge(order)
""",
     """\
        charge(order)
"""),
]
