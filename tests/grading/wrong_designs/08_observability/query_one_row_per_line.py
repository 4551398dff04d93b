"""Wrong design: the query lists the error lines instead of counting them per request, so a request
that failed on every retry comes back in several rows. Matches too much.
Caught by: failed-orders-query."""

REPLACE = [
    ('''FAILED_ORDERS_QUERY = """filter level = "ERROR" and ispresent(correlation_id)
| stats count(*) as error_lines by correlation_id"""''',
     '''FAILED_ORDERS_QUERY = """fields correlation_id
| filter level = "ERROR" and ispresent(correlation_id)"""'''),
]
