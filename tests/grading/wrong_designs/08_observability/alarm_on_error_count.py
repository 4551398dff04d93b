"""Wrong design: the learner kept a count and tuned it, "three failed invocations in a period is
an incident": AWS/Lambda Errors, Sum >= 3. In production it pages for three failures among
thousands of healthy invocations of a busy hour, and stays quiet when the only two invocations of
a quiet period both fail. A count cannot tell a burst from traffic; a rate can.
Caught by: error-rate-alarm."""

REPLACE = [
    ('''\
    return {"Metrics": [lambda_metric("errors", "Errors"),
                        lambda_metric("invocations", "Invocations"),
                        {"Id": "error_rate", "Label": "error rate (%)", "ReturnData": True,
                         "Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"}],
            "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold",
''',
     '''\
    return {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
            "Dimensions": [{"Name": "FunctionName", "Value": function_name}], "Period": period_s,
            "Threshold": 3, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
'''),
]
