"""Planted bug: a body that is not an order is skipped, not parked: it vanishes from the
queue and from every count.
Caught by: every-order-accounted."""

REPLACE = [
    ("""\
            sqs.send_message(QueueUrl=DLQ_URL, MessageBody=record["body"], MessageAttributes={
                "reason": {"DataType": "String", "StringValue": str(e)[:200]}})
            continue
""",
     """\
            continue
"""),
]
