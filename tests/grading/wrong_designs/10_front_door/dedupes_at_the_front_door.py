"""Wrong design: duplicates are stopped at the front door: accept claims the order id (a
conditional put) before queueing it, a resend is answered 202 without a second message, and the
worker charges every message it gets. Resends are handled; but SQS standard queues deliver at
least once: a message can come twice (and does, when a worker's invocation fails or times out
after charging), and the worker charges that order twice. The claim that makes the charge
happen once belongs next to the charge. Caught by: charges-each-once."""

REPLACE = [
    ("""\
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(order))
    return answer(202, {"order_id": order["order_id"], "status": "PENDING"})
""",
     """\
    if claim("accept#" + order["order_id"]):      # a resend is not queued again
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(order))
    return answer(202, {"order_id": order["order_id"], "status": "PENDING"})
"""),
    ("""\
        if claim("worker#" + order["order_id"]):   # False: a duplicate, charged already
            charge(order)
""",
     """\
        charge(order)                               # the front door let each order in once
"""),
]
