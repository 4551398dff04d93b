"""Wrong design: the worker deduplicates on the SQS message id, the id SQS gives to what it
delivers more than once ("at-least-once delivery": a redelivered message keeps its
messageId). But a client that resends an order (it did not get, or did not trust, its 202)
makes the accept function send a second message, with a new message id: the claim succeeds
and the order is charged twice. The duplicate that matters is the order, not the message.
Caught by: charges-each-once."""

REPLACE = [
    ("""\
    for record in event["Records"]:
        order = json.loads(record["body"])
        if claim("worker#" + order["order_id"]):   # False: a duplicate, charged already
""",
     """\
    for record in event["Records"]:
        order = json.loads(record["body"])
        if claim("worker#" + record["messageId"]):   # False: SQS delivered this message again
"""),
]
