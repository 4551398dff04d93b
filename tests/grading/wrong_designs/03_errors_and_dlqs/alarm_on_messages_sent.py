"""Wrong design: "alarm when a message is sent to the DLQ" - the student alarms on the DLQ's
NumberOfMessagesSent, Sum >= 1. It fires for the orders the handler parks with SendMessage, and
never for the ones the redrive policy moves there: SQS does not count a message dead-lettered
after failed receives as sent. The messages that never succeeded, the ones task 2's backstop
exists for, pile up without a page.
Caught by: alarm-fires."""

REPLACE = [
    ("""\
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": event["dlq_name"]}],
        Statistic="Maximum", Period=event["period_s"], EvaluationPeriods=1,
""",
     """\
        Namespace="AWS/SQS", MetricName="NumberOfMessagesSent",
        Dimensions=[{"Name": "QueueName", "Value": event["dlq_name"]}],
        Statistic="Sum", Period=event["period_s"], EvaluationPeriods=1,
"""),
]
