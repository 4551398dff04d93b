"""Planted bug: a permanent error is parked at once with the original body, but without its
message attributes: the DLQ holds the order and nothing says what went wrong (error_type,
error_message), so the human who must act on it at 3 a.m. starts from scratch.
Caught by: permanent-parked."""

REPLACE = [
    ("""\
    sqs.send_message(QueueUrl=DLQ_URL, MessageBody=record["body"], MessageAttributes={
        "error_type": {"DataType": "String", "StringValue": type(error).__name__},
        "error_message": {"DataType": "String", "StringValue": str(error) or repr(error)},
        "attempt": {"DataType": "Number", "StringValue": str(attempt)},
        "source_message_id": {"DataType": "String", "StringValue": record["messageId"]}})
""",
     """\
    sqs.send_message(QueueUrl=DLQ_URL, MessageBody=record["body"])   # BUG: no error context
"""),
]
