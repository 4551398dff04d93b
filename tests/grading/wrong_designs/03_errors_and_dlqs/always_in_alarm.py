"""Wrong design: "alarm when the DLQ holds 0 or more messages" - a student who read "as soon as
one message is in the DLQ" and wanted to be sure not to miss the first one writes
Threshold 0 with GreaterThanOrEqualToThreshold. An empty DLQ (depth 0) already crosses that
threshold: the alarm is in ALARM all the time and pages on call every period.
Caught by: alarm-fires."""

REPLACE = [
    ("""\
        Threshold=0, ComparisonOperator="GreaterThanThreshold",
""",
     """\
        Threshold=0, ComparisonOperator="GreaterThanOrEqualToThreshold",
"""),
]
