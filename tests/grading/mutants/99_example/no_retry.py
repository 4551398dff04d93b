"""Planted bug: no retry on DownstreamUnavailable. Caught by: transient-failures."""

REPLACE = [
    ('''\
def charge_with_retries(order_id, amount, attempts=3):
    """Retry only what may succeed later; the order id is the idempotency key, so every
    delivery of an order (even after a crash right after the charge) is the same charge."""
    for attempt in range(attempts):
        try:
            return provider.call(key=order_id, order_id=order_id, amount=amount)
        except DownstreamUnavailable:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2 ** attempt)
''',
     """\

def charge_with_retries(order_id, amount):
    # planted bug: a single attempt, no retry
    return provider.call(key=order_id, order_id=order_id, amount=amount)
"""),
]
