"""CloudWatch metric-math alarms are evaluated (alarm evaluator + labkit/emulator/metric_math.py).

Lesson 08's error-rate alarm: Errors and Invocations (Sum per period, dimension FunctionName)
combined by an expression, the one query with ReturnData true (CloudWatch API Reference,
"MetricDataQuery"). The metrics go to a custom namespace with PutMetricData so each test
controls every datapoint.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import pytest

from labkit.lessons.polling import wait_until

PERIOD = 10  # high-resolution alarm period: AWS accepts 10 and 30 s
NAMESPACE = "Labkit/MetricMath"
ERROR_RATE = "IF(inv > 0, 100 * errors / inv, 0)"


def _notification(sqs, url, state):
    """The alarm notification with NewStateValue == state, once it has landed."""
    def poll():
        for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1,
                                     MaxNumberOfMessages=10).get("Messages", []):
            message = json.loads(json.loads(m["Body"])["Message"])
            if message["NewStateValue"] == state:
                return message
        return None
    return wait_until(poll, 6 * PERIOD, what=f"an alarm notification for {state}")


def _metric(query_id, name, function):
    return {"Id": query_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": NAMESPACE, "MetricName": name,
                   "Dimensions": [{"Name": "FunctionName", "Value": function}]},
        "Period": PERIOD, "Stat": "Sum"}}


def _alarm(cw, function, expression, **overrides):
    """An alarm on `expression` over the function's errors and inv: > 10 (%) in 1 period."""
    name = f"error-rate-{uuid.uuid4().hex[:8]}"
    args = dict(AlarmName=name, EvaluationPeriods=1, Threshold=10.0,
                ComparisonOperator="GreaterThanThreshold",
                Metrics=[{"Id": "rate", "Expression": expression, "Label": "Error rate (%)",
                          "ReturnData": True},
                         _metric("errors", "Errors", function),
                         _metric("inv", "Invocations", function)])
    args.update(overrides)
    cw.put_metric_alarm(**args)
    return name


def _publish(cw, function, **values):
    """One datapoint per metric (Invocations=10, Errors=5, ...), all with the same timestamp."""
    now = datetime.now(timezone.utc)
    cw.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": metric, "Value": value, "Unit": "Count", "Timestamp": now,
         "StorageResolution": 1, "Dimensions": [{"Name": "FunctionName", "Value": function}]}
        for metric, value in values.items()])
    return now


def _reaches(cw, name, state):
    def poll():
        alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        return alarm["StateValue"] == state and alarm
    return wait_until(poll, 6 * PERIOD, what=f"alarm {name} to reach {state}")


def _datapoints(alarm):
    return json.loads(alarm["StateReasonData"])["recentDatapoints"]


def test_error_rate_alarm_fires_then_recovers(cw, sqs, topic_queue):
    """AWS (User Guide, "Create a CloudWatch alarm based on a metric math expression"): the
    alarm watches the expression's single time series against the threshold like a metric
    alarm; "Using math expressions with CloudWatch metrics" names this very case: "divide
    the Errors metric by the Invocations metric to get an error rate". 5 errors in 10
    invocations is 50 % > 10 %: ALARM and the ALARM action; a later period with 1 in 100
    (1 %) is OK and the OK action (User Guide, "Evaluating an alarm")."""
    topic, inbox = topic_queue
    function = f"orders-{uuid.uuid4().hex[:6]}"
    name = _alarm(cw, function, ERROR_RATE, AlarmActions=[topic], OKActions=[topic])

    first = _publish(cw, function, Invocations=10, Errors=5)
    alarm = _reaches(cw, name, "ALARM")
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [50.0")
    assert _datapoints(alarm) == [50.0]
    trigger = _notification(sqs, inbox, "ALARM")["Trigger"]
    assert trigger["Period"] == PERIOD and trigger["Threshold"] == 10.0
    assert {"Id": "rate", "Expression": ERROR_RATE, "Label": "Error rate (%)",
            "ReturnData": True} in trigger["Metrics"]

    period = int(first.timestamp()) // PERIOD
    wait_until(lambda: int(time.time()) // PERIOD > period, 2 * PERIOD, what="the next period")
    _publish(cw, function, Invocations=100, Errors=1)
    alarm = _reaches(cw, name, "OK")
    assert _datapoints(alarm) == [1.0]
    assert _notification(sqs, inbox, "OK")["OldStateValue"] == "ALARM"


@pytest.mark.parametrize("expression", ["100 * errors / inv", "100 * FILL(errors, 0) / inv"],
                         ids=["without-FILL", "with-FILL"])
def test_period_with_invocations_but_no_errors_datapoint(cw, expression):
    """AWS (User Guide, "Using math expressions with CloudWatch metrics", section "Metric math
    syntax and functions"): for the
    arithmetic operators "Missing values in a time series are treated as 0", and FILL "Fills
    the missing values of a time series". Either way a period with 20 invocations and no
    Errors datapoint has an error rate of 0: a datapoint, so OK, not INSUFFICIENT_DATA."""
    function = f"quiet-{uuid.uuid4().hex[:6]}"
    name = _alarm(cw, function, expression)
    _publish(cw, function, Invocations=20)
    assert _datapoints(_reaches(cw, name, "OK")) == [0.0]


def test_fill_keeps_an_idle_functions_error_rate_alarm_ok(cw):
    """AWS (User Guide, "Using IF expressions"): where the condition has no datapoint, IF has
    none either; FILL ("Metric math syntax and functions") gives the condition one. With no
    invocations at all, IF(inv > 0, ...) has no datapoint and the alarm stays
    INSUFFICIENT_DATA (TreatMissingData missing), while IF(FILL(inv, 0) > 0, ...) is 0: OK."""
    function = f"idle-{uuid.uuid4().hex[:6]}"
    unfilled = _alarm(cw, function, ERROR_RATE)
    filled = _alarm(cw, function, "IF(FILL(inv, 0) > 0, 100 * errors / inv, 0)")
    assert _datapoints(_reaches(cw, filled, "OK")) == [0.0]
    # Both alarms are evaluated on every tick, the older one first.
    alarm = cw.describe_alarms(AlarmNames=[unfilled])["MetricAlarms"][0]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"
