"""Wrong design: the learner annotates every order but searches for the faulted traces, "a
failed order is a fault". orders rejects an order by returning it in batchItemFailures: the
invocation succeeds and X-Ray records no fault, so the search finds none of them.
Caught by: failed-order-traces."""

REPLACE = [
    ("""FAILED_ORDERS_TRACES = 'annotation.outcome = "rejected"'""",
     """FAILED_ORDERS_TRACES = 'fault = true OR error = true'"""),
]
