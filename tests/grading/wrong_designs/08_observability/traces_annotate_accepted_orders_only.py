"""Wrong design: orders annotates an order once it has gone through (after the publish), "the
trace of an order that made it". A rejected order raises before that line: its trace names no
order, and the search for the rejected orders finds nothing to search.
Caught by: failed-order-traces."""

REPLACE = [
    ("""\
        traced.put_annotation("order_id", order["order_id"])
""",
     ""),
    ("""\
            traced.put_annotation("outcome", "accepted")
""",
     """\
            traced.put_annotation("order_id", order["order_id"])
            traced.put_annotation("outcome", "accepted")
"""),
    ("""\
            traced.put_annotation("outcome", "rejected")
""",
     ""),
]
