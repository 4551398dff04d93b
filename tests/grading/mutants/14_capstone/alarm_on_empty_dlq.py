"""Planted bug: the alarm compares with >= 0, which an empty DLQ satisfies: it pages on call
before anything is parked.
Caught by: alarm-when-it-should."""

REPLACE = [
    ("""\
        Threshold=0, ComparisonOperator="GreaterThanThreshold",
""",
     """\
        Threshold=0, ComparisonOperator="GreaterThanOrEqualToThreshold",
"""),
]
