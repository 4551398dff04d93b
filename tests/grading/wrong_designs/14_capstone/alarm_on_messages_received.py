"""Wrong design: "alarm when the DLQ receives a message": the alarm watches the DLQ's
NumberOfMessagesReceived. That metric counts messages handed to a consumer by ReceiveMessage,
not messages arriving, and nobody consumes a DLQ until someone looks: the alarm never fires
while orders pile up there ("Available CloudWatch metrics for Amazon SQS", SQS Developer
Guide).
Caught by: alarm-when-it-should."""

REPLACE = [
    ("""\
        MetricName="ApproximateNumberOfMessagesVisible",
""",
     """\
        MetricName="NumberOfMessagesReceived",
"""),
    ("""\
        Statistic="Maximum", Period=event["period_s"], EvaluationPeriods=1,
""",
     """\
        Statistic="Sum", Period=event["period_s"], EvaluationPeriods=1,
"""),
]
