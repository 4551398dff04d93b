"""Planted bug: the pattern joins its two conditions with || instead of &&, so it matches every
line at level ERROR and every line that carries a correlation id: each request's INFO lines, the
runtime's report of an unhandled error, the error logged while a function starts.
Caught by: failed-orders-pattern."""

REPLACE = [
    ("""FAILED_ORDERS_PATTERN = '{ $.level = "ERROR" && $.correlation_id = * }'""",
     """FAILED_ORDERS_PATTERN = '{ $.level = "ERROR" || $.correlation_id = * }'"""),
]
