"""CloudWatch metric alarms are evaluated on a timer and their actions notify SNS topics.

moto stores alarms in state OK forever and never runs their actions. This patch starts
the alarm evaluator (labkit/emulator/alarms.py), starts new alarms in INSUFFICIENT_DATA as
AWS does, and on every state change (evaluator or SetAlarmState) publishes AWS's alarm
notification JSON to the SNS topics in AlarmActions / OKActions / InsufficientDataActions.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone

from labkit.emulator.alarms import AlarmEvaluator, alarm_period
from labkit.emulator.background_jobs import BackgroundJobs

NAME = "cloudwatch_alarms"
AWS_BEHAVIOUR = (
    "PutMetricAlarm: 'When this operation creates an alarm, the alarm state is immediately set "
    "to INSUFFICIENT_DATA. The alarm is then evaluated and its state is set appropriately. Any "
    "actions associated with the new state are then executed.' Alarms evaluate Statistic over "
    "Period against Threshold with ComparisonOperator, EvaluationPeriods, DatapointsToAlarm and "
    "TreatMissingData; high-resolution alarms may use a 10 or 30 s period (CloudWatch API "
    "Reference, PutMetricAlarm; User Guide, 'Using Amazon CloudWatch alarms')."
)

REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-2": "US West (Oregon)", "eu-west-1": "Europe (Ireland)",
                "eu-central-1": "Europe (Frankfurt)"}


def _iso(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def notification(alarm, old_state: str, account: str, region: str) -> dict:
    """The JSON CloudWatch publishes to an alarm's SNS topics."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description or None,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _iso(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _iso(alarm.state_updated_timestamp),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": _trigger(alarm),
    }


def _trigger(alarm) -> dict:
    """What the alarm evaluates: one metric, or a metric-math alarm's queries (shape of AWS's
    sample notification in aws/aws-lambda-go, cloudwatch-alarm-sns-payload-multiple-metrics)."""
    rules = {
        "Period": alarm_period(alarm),
        "EvaluationPeriods": int(alarm.evaluation_periods),
        "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": float(alarm.threshold),
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    }
    if alarm.metric_data_queries:
        return {**rules, "Metrics": [_query(q) for q in alarm.metric_data_queries]}
    return {
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
        "Statistic": (alarm.statistic or "").upper() or None,
        "ExtendedStatistic": alarm.extended_statistic,
        "Unit": alarm.unit,
        "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
        **rules,
    }


def _query(q) -> dict:
    """One of a metric-math alarm's queries, as the notification shows it."""
    if q.expression:
        shown = {"Expression": q.expression, "Id": q.id}
    else:
        m = q.metric_stat.metric
        shown = {"Id": q.id, "MetricStat": {
            "Metric": {"Dimensions": [{"value": d.value, "name": d.name} for d in m.dimensions],
                       "MetricName": m.metric_name, "Namespace": m.namespace},
            "Period": int(q.metric_stat.period), "Stat": q.metric_stat.stat}}
    if q.label:
        shown["Label"] = q.label
    return {**shown, "ReturnData": bool(q.return_data)}


class AlarmActions(BackgroundJobs):
    """Publishes alarm notifications (topic ARN, subject, message) in the background."""

    name = "alarm-actions"

    def __init__(self, ctx):
        super().__init__(workers=1)
        self.ctx = ctx
        self._sns = None
        self.published = 0

    def reset(self) -> None:
        self.published = 0

    def health(self) -> dict:
        return {"pending": self.pending, "published": self.published}

    def do(self, topic_arn: str, subject: str, message: str) -> None:
        import boto3

        try:
            if self._sns is None:
                self._sns = boto3.client("sns", endpoint_url=self.ctx.url, region_name="us-east-1",
                                         aws_access_key_id="test", aws_secret_access_key="test")
            self._sns.publish(TopicArn=topic_arn, Subject=subject[:100], Message=message)
            self.published += 1
        except Exception as exc:
            print(f"labkit: alarm action {topic_arn} failed: {exc!r}", file=sys.stderr)


def apply(ctx) -> None:
    from moto.cloudwatch.models import Alarm, CloudWatchBackend

    interval = float(os.environ.get("LABKIT_ALARM_EVALUATION_INTERVAL", "1.0"))
    ctx.add_component(AlarmEvaluator(interval=interval))
    actions = ctx.add_component(AlarmActions(ctx))

    original_put = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self, name, *args, **kwargs):
        previous = self.alarms.get(name)
        alarm = original_put(self, name, *args, **kwargs)
        if previous is not None:  # an update keeps the alarm's state and history
            for attr in ("state_value", "state_reason", "state_reason_data",
                         "state_updated_timestamp", "history"):
                setattr(alarm, attr, getattr(previous, attr))
        else:
            alarm.state_value = "INSUFFICIENT_DATA"
        alarm.account_id = self.account_id
        return alarm

    CloudWatchBackend.put_metric_alarm = put_metric_alarm

    original_update = Alarm.update_state

    def update_state(self, reason, reason_data, state_value):
        old = self.state_value
        original_update(self, reason, reason_data, state_value)
        if old == state_value or not self.actions_enabled:
            return
        targets = {"ALARM": self.alarm_actions, "OK": self.ok_actions,
                   "INSUFFICIENT_DATA": self.insufficient_data_actions}[state_value] or []
        account = getattr(self, "account_id", self.alarm_arn.split(":")[4])
        region = self.region_name
        message = json.dumps(notification(self, old, account, region))
        subject = f'{state_value}: "{self.name}" in {REGION_NAMES.get(region, region)}'
        for arn in targets:
            if arn.startswith("arn:aws:sns:"):
                actions.submit(arn, subject, message)
                self.history.append(("Action", f"Successfully executed action {arn}",
                                     "{}", state_value, datetime.now(timezone.utc)))

    Alarm.update_state = update_state
