"""Planted bug: the alarm's threshold is 1 with GreaterThanThreshold, so one parked message never
raises it (it takes two).
Caught by: alarm-fires."""

REPLACE = [
    ("""\
        Threshold=0, ComparisonOperator="GreaterThanThreshold",
""",
     """\
        Threshold=1, ComparisonOperator="GreaterThanThreshold",
"""),
]
