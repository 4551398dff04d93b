"""Wrong design: "a rejected payment is answered, not retried forever" - the student catches
every failure of the provider the same way, DownstreamUnavailable with DownstreamRejected,
around a single call, and records the order as rejected. Nothing loops any more, but a provider
that is down for a second now turns paying customers away for good: their orders are never
charged.
Caught by: transient-failures."""

REPLACE = [
    ("""\
        charge = charge_with_retries(order_id, amount)
    except DownstreamRejected:
""",
     """\
        charge = provider.call(key=order_id, order_id=order_id, amount=amount)
    except (DownstreamRejected, DownstreamUnavailable):   # the provider said no: answer, don't loop
"""),
]
