"""Wrong design: the alarm watches the right metric with the right threshold, but the student
took "an alarm on the DLQ" for the whole job and left out its action: it turns ALARM in the
console and nobody is told (the topic never hears of it).
Caught by: alarm-fires."""

REPLACE = [
    ("""\
        TreatMissingData="notBreaching", AlarmActions=[event["topic_arn"]])
""",
     """\
        TreatMissingData="notBreaching")
"""),
]
