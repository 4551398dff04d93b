"""Wrong design: "alarm when the DLQ receives a message" - a student alarms on the DLQ's
NumberOfMessagesReceived. That metric counts the messages consumers receive *from* the queue,
not the ones that arrive in it; nobody reads a DLQ until a human redrives it, so the alarm
stays OK while orders pile up.
Caught by: alarm-fires."""

REPLACE = [
    ("""\
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": event["dlq_name"]}],
        Statistic="Maximum", Period=event["period_s"], EvaluationPeriods=1,
""",
     """\
        Namespace="AWS/SQS", MetricName="NumberOfMessagesReceived",
        Dimensions=[{"Name": "QueueName", "Value": event["dlq_name"]}],
        Statistic="Sum", Period=event["period_s"], EvaluationPeriods=1,
"""),
]
