"""CloudWatch metric alarms are evaluated and notify SNS (patch cloudwatch_alarms)."""
from __future__ import annotations

import json
import time
import uuid

from labkit.lessons.polling import wait_until

PERIOD = 10  # high-resolution alarm period: AWS accepts 10 and 30 s


def _notifications(sqs, url, state, deadline=60.0, old=None):
    """Wait for the SNS envelope of an alarm notification with NewStateValue == state (and
    OldStateValue == old, when given)."""
    def poll():
        for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1,
                                     MaxNumberOfMessages=10).get("Messages", []):
            envelope = json.loads(m["Body"])
            message = json.loads(envelope["Message"])
            if message["NewStateValue"] == state and old in (None, message["OldStateValue"]):
                return envelope
        return None
    return wait_until(poll, deadline, what=f"an alarm notification for {state}")


def _alarm(cw, metric, **overrides):
    name = f"alarm-{uuid.uuid4().hex[:8]}"
    args = dict(AlarmName=name, Namespace="Labkit/Test", MetricName=metric,
                Dimensions=[{"Name": "Queue", "Value": "orders-dlq"}],
                Statistic="Maximum", Period=PERIOD, EvaluationPeriods=1,
                Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
    args.update(overrides)
    cw.put_metric_alarm(**args)
    return name


def _state(cw, name):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def test_new_alarm_starts_in_insufficient_data(cw):
    """AWS (API Reference, PutMetricAlarm): "When this operation creates an alarm, the alarm
    state is immediately set to INSUFFICIENT_DATA." """
    name = _alarm(cw, f"m-{uuid.uuid4().hex[:6]}")
    assert _state(cw, name)["StateValue"] == "INSUFFICIENT_DATA"


def test_alarm_fires_within_two_periods_and_notifies_its_topic(cw, sqs, topic_queue):
    """AWS (User Guide, "Using Amazon CloudWatch alarms"): an alarm "watches a single metric
    ... over a time period you specify, and performs one or more specified actions, based on
    the value of the metric relative to a threshold over time"; the action for ALARM
    publishes a notification to the SNS topic (User Guide, "Notifications"). Issue 4
    acceptance: ALARM within 2 periods of the datapoint."""
    topic, inbox = topic_queue
    metric = f"ApproximateNumberOfMessagesVisible-{uuid.uuid4().hex[:6]}"
    name = _alarm(cw, metric, AlarmActions=[topic], AlarmDescription="DLQ not empty")
    started = time.monotonic()
    cw.put_metric_data(Namespace="Labkit/Test", MetricData=[{
        "MetricName": metric, "Value": 3, "Unit": "Count",
        "Dimensions": [{"Name": "Queue", "Value": "orders-dlq"}]}])
    alarm = wait_until(lambda: (a := _state(cw, name))["StateValue"] == "ALARM" and a,
                       6 * PERIOD, what="the alarm to reach ALARM")
    elapsed = time.monotonic() - started
    print(f"ALARM reached {elapsed:.1f} s after the datapoint (period {PERIOD} s)")
    assert elapsed <= 2 * PERIOD
    assert alarm["StateReason"].startswith("Threshold Crossed")
    assert json.loads(alarm["StateReasonData"])["recentDatapoints"] == [3.0]

    envelope = _notifications(sqs, inbox, "ALARM")
    assert envelope["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
    message = json.loads(envelope["Message"])
    assert message["AlarmName"] == name
    assert message["AlarmDescription"] == "DLQ not empty"
    assert message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert message["AWSAccountId"] == "123456789012"
    trigger = message["Trigger"]
    assert trigger["MetricName"] == metric and trigger["Namespace"] == "Labkit/Test"
    assert trigger["Statistic"] == "MAXIMUM" and trigger["Period"] == PERIOD
    assert trigger["Dimensions"] == [{"value": "orders-dlq", "name": "Queue"}]
    assert trigger["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_missing_data_as_not_breaching_returns_the_alarm_to_ok(cw, sqs, topic_queue):
    """AWS (User Guide, "Configuring how CloudWatch alarms treat missing data"):
    "notBreaching – Missing data points are treated as 'good' and within the threshold";
    the OK action runs on the ALARM -> OK transition."""
    topic, inbox = topic_queue
    metric = f"Backlog-{uuid.uuid4().hex[:6]}"
    name = _alarm(cw, metric, OKActions=[topic], TreatMissingData="notBreaching")
    cw.put_metric_data(Namespace="Labkit/Test", MetricData=[{
        "MetricName": metric, "Value": 5, "Dimensions": [{"Name": "Queue", "Value": "orders-dlq"}]}])
    wait_until(lambda: _state(cw, name)["StateValue"] == "ALARM", 6 * PERIOD, what="ALARM")
    wait_until(lambda: _state(cw, name)["StateValue"] == "OK", 6 * PERIOD, what="OK again")
    # the OK action for ALARM -> OK (an evaluation before the data point arrived may have sent
    # one for INSUFFICIENT_DATA -> OK first: missing data is 'good' here, as on AWS)
    message = json.loads(_notifications(sqs, inbox, "OK", old="ALARM")["Message"])
    assert message["OldStateValue"] == "ALARM" and message["NewStateValue"] == "OK"


def test_set_alarm_state_runs_the_action_of_the_new_state(cw, sqs, topic_queue):
    """AWS (API Reference, SetAlarmState): "When the updated state differs from the previous
    value, the action configured for the appropriate state is invoked." """
    topic, inbox = topic_queue
    name = _alarm(cw, f"never-{uuid.uuid4().hex[:6]}", AlarmActions=[topic],
                  TreatMissingData="ignore")
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="drill")
    message = json.loads(_notifications(sqs, inbox, "ALARM")["Message"])
    assert message["AlarmName"] == name and message["NewStateReason"] == "drill"


def test_metric_below_threshold_keeps_the_alarm_ok(cw):
    """AWS (User Guide, "Evaluating an alarm"): the alarm goes to ALARM only when at least
    DatapointsToAlarm of the last EvaluationPeriods datapoints breach the threshold."""
    metric = f"Quiet-{uuid.uuid4().hex[:6]}"
    name = _alarm(cw, metric, Threshold=10.0)
    cw.put_metric_data(Namespace="Labkit/Test", MetricData=[{
        "MetricName": metric, "Value": 2, "Dimensions": [{"Name": "Queue", "Value": "orders-dlq"}]}])
    alarm = wait_until(lambda: (a := _state(cw, name))["StateValue"] != "INSUFFICIENT_DATA" and a,
                       6 * PERIOD, what="the first evaluation")
    assert alarm["StateValue"] == "OK"


def test_dlq_depth_alarm_fires_within_two_periods_and_notifies(cw, sqs, topic_queue):
    """Issue 4 acceptance, lesson 03. AWS (SQS Developer Guide, "Available CloudWatch metrics
    for Amazon SQS"): SQS publishes ApproximateNumberOfMessagesVisible per QueueName; an
    alarm on a DLQ's depth >= 1 goes to ALARM once a message lands there and notifies its
    SNS topic (CloudWatch User Guide, "Using Amazon CloudWatch alarms")."""
    topic, inbox = topic_queue
    dlq_name = f"orders-dlq-{uuid.uuid4().hex[:6]}"
    dlq = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    name = _alarm(cw, "ApproximateNumberOfMessagesVisible", Namespace="AWS/SQS",
                  Dimensions=[{"Name": "QueueName", "Value": dlq_name}],
                  AlarmActions=[topic], TreatMissingData="notBreaching")
    started = time.monotonic()
    sqs.send_message(QueueUrl=dlq, MessageBody='{"poison": true}')
    wait_until(lambda: _state(cw, name)["StateValue"] == "ALARM", 6 * PERIOD,
               what="the DLQ alarm to reach ALARM")
    elapsed = time.monotonic() - started
    print(f"DLQ alarm reached ALARM {elapsed:.1f} s after the message landed (period {PERIOD} s)")
    assert elapsed <= 2 * PERIOD
    message = json.loads(_notifications(sqs, inbox, "ALARM")["Message"])
    assert message["AlarmName"] == name
    assert message["Trigger"]["Dimensions"] == [{"value": dlq_name, "name": "QueueName"}]
