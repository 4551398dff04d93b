"""Planted bug: the canary's alarm has a threshold of 0 errors ("any error stops it") with
GreaterThanOrEqualToThreshold, so a period of 0 errors is in ALARM too and every release is
rolled back, the good one included. Caught by: good-release-promoted."""

REPLACE = [
    ("""\
        Threshold=event["threshold"], ComparisonOperator="GreaterThanOrEqualToThreshold",
""", """\
        Threshold=0, ComparisonOperator="GreaterThanOrEqualToThreshold",
"""),
]
