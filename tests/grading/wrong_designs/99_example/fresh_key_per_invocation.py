"""Wrong design: the student read that an idempotency key makes retries safe and, like Stripe's
guide says, generates a fresh UUID for the request, once per invocation, so that all the
retry attempts inside it share the key. The key protects the retries of one invocation (the
wrong place): a redelivered order is a new invocation with a new key, and the provider
charges it again.
Caught by: sequential-duplicates."""

REPLACE = [
    ("""\
import time
""",
     """\
import time
import uuid
"""),
    ("""\
def charge_with_retries(order_id, amount, attempts=3):
""",
     """\
def charge_with_retries(order_id, amount, key, attempts=3):
"""),
    ("""\
            return provider.call(key=order_id, order_id=order_id, amount=amount)
""",
     """\
            return provider.call(key=key, order_id=order_id, amount=amount)
"""),
    ("""\
        charge = charge_with_retries(order_id, amount)
""",
     """\
        charge = charge_with_retries(order_id, amount, key=uuid.uuid4().hex)  # one key per request
"""),
]
