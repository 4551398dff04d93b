"""Wrong design: the pattern matches every line that carries an exception, so it also takes the
WARNING of a hiccup that was retried and went through: an order that did not fail. Matches too
much.
Caught by: failed-orders-pattern."""

REPLACE = [
    ("""FAILED_ORDERS_PATTERN = '{ $.level = "ERROR" && $.correlation_id = * }'""",
     """FAILED_ORDERS_PATTERN = '{ $.exception_name = * }'"""),
]
