"""Wrong design: the student knows Lambda functions have a dead-letter queue setting and attaches
the DLQ to the function (DeadLetterConfig) instead of giving the queue a RedrivePolicy. A
function's DLQ serves asynchronous invocations only; an SQS event source invokes synchronously,
so a bad order is never moved anywhere and cycles through the queue until it expires.
Caught by: configuration."""

REPLACE = [
    ("""\
    queue_url = sqs.create_queue(QueueName=event["name"], Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": event["max_receive_count"]})})["QueueUrl"]
""",
     """\
    queue_url = sqs.create_queue(QueueName=event["name"], Attributes={
        "VisibilityTimeout": str(visibility)})["QueueUrl"]
    lam.update_function_configuration(FunctionName=event["function_name"],
                                      DeadLetterConfig={"TargetArn": dlq_arn})
"""),
]
