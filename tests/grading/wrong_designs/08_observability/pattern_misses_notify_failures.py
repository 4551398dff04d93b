"""Wrong design: the pattern matches the rejection message of the orders hop only, so the orders
that failed in notify are never matched (nobody is paged for them). Matches too little.
Caught by: failed-orders-pattern."""

REPLACE = [
    ("""FAILED_ORDERS_PATTERN = '{ $.level = "ERROR" && $.correlation_id = * }'""",
     """FAILED_ORDERS_PATTERN = '{ $.message = "order rejected" }'"""),
]
