"""Planted bug: the accept function charges the order before it queues it: the client waits for
the provider again, and a stuck provider makes the gateway give up. Caught by:
accepts-before-charging."""

REPLACE = [
    ("""\
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(order))
""",
     """\
    charge(order)
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(order))
"""),
]
