"""Wrong design: the student caps the worker with reserved concurrency at the right limit (task 2:
"it caps every caller together") and, to meet task 3's deadline, sizes the mapping for the
backlog instead: MaximumConcurrency = one execution per batch of the backlog, as far as AWS
allows, trusting the reservation to protect the downstream. It does protect it, but "event
source mappings don't account for reserved concurrency": the pollers scale past the
reservation, every batch they cannot start is throttled and goes back to the queue for its
whole visibility timeout, and the backlog drains long after the deadline it was sized for.
Caught by: drained-in-time."""

REPLACE = [
    ("""\
        ScalingConfig={"MaximumConcurrency": limit})
""",
     """\
        # task 3: room for the whole backlog at once (one execution per batch, AWS: 2 to 1,000);
        # the reservation above is what keeps the downstream safe
        ScalingConfig={"MaximumConcurrency": min(1000, max(2, -(-event["backlog"] // 10)))})
"""),
]
