"""Wrong design: the query keeps the orders hop's rejections only, so the requests that failed in
notify are missing from the result. Matches too little.
Caught by: failed-orders-query."""

REPLACE = [
    ('''FAILED_ORDERS_QUERY = """filter level = "ERROR" and ispresent(correlation_id)''',
     '''FAILED_ORDERS_QUERY = """filter message = "order rejected"'''),
]
