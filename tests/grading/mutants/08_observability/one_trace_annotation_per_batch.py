"""Planted bug: orders annotates the invocation's own subsegment instead of one subsegment per
record. An annotation key holds one value per entity, so in a batch every record overwrites the
previous one's order_id and outcome: the trace names only the batch's last order.
Caught by: failed-order-traces."""

REPLACE = [
    ("""traced = tracer.provider.begin_subsegment("order")""",
     """traced = tracer.provider.current_subsegment()"""),
    ("""\
        tracer.provider.end_subsegment()
""",
     ""),
]
