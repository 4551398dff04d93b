"""Planted bug: the query groups the failed requests' error lines by function_request_id, the
Lambda request id of each invocation, instead of by correlation_id: one row per failed attempt,
and no row says which request failed (the id support gets from the customer is in none).
Caught by: failed-orders-query."""

REPLACE = [
    ('''| stats count(*) as error_lines by correlation_id"""''',
     '''| stats count(*) as error_lines by function_request_id"""'''),
]
