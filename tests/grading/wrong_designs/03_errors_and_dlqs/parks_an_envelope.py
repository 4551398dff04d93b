"""Wrong design: "the error travels with the order" - the student parks a permanent failure in the
DLQ as an envelope, {"message": <the original body>, "error_type": ..., "error_message": ...},
instead of the original body with the error in message attributes. The DLQ fills, the alarm
fires, a human can read why; but what sits in the DLQ is no longer the order. After the fix, the
redrive sends envelopes back to the orders queue: the handler finds no amount in them (KeyError),
parks an envelope of the envelope, and the orders are never charged.
Caught by: nothing-lost."""

REPLACE = [
    ("""\
    sqs.send_message(QueueUrl=DLQ_URL, MessageBody=record["body"], MessageAttributes={
        "error_type": {"DataType": "String", "StringValue": type(error).__name__},
        "error_message": {"DataType": "String", "StringValue": str(error) or repr(error)},
        "attempt": {"DataType": "Number", "StringValue": str(attempt)},
        "source_message_id": {"DataType": "String", "StringValue": record["messageId"]}})
""",
     """\
    sqs.send_message(QueueUrl=DLQ_URL, MessageBody=json.dumps({   # the order and what went wrong
        "message": record["body"], "error_type": type(error).__name__,
        "error_message": str(error) or repr(error), "attempt": attempt,
        "source_message_id": record["messageId"]}))
"""),
]
