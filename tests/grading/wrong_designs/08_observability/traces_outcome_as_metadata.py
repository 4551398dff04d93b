"""Wrong design: the outcome goes into the trace as metadata ("metadata holds any value,
annotations are for ids"). Metadata is not indexed: a filter expression cannot search it, so the
search for the rejected orders finds none, however it is written.
Caught by: failed-order-traces."""

REPLACE = [
    ("""traced.put_annotation("outcome", "accepted")""",
     """traced.put_metadata("outcome", "accepted")"""),
    ("""traced.put_annotation("outcome", "rejected")""",
     """traced.put_metadata("outcome", "rejected")"""),
]
