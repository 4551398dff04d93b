"""The alarm evaluator's decision rule (labkit/emulator/alarms.py), on hand-made datapoints.

AWS (CloudWatch User Guide, "Evaluating an alarm"): with EvaluationPeriods N and
DatapointsToAlarm M, the alarm goes to ALARM when at least M of the last N datapoints
breach; TreatMissingData decides what a period without data counts as ("breaching",
"notBreaching", "ignore" keeps the state, "missing" -> INSUFFICIENT_DATA when all missing).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from labkit.emulator.alarms import evaluate

NOW = datetime(2026, 1, 1, 12, 0, 5, tzinfo=timezone.utc)  # 5 s into a 10 s period
DIMS = [SimpleNamespace(name="Queue", value="dlq")]


def alarm(**kw):
    base = dict(period=10, evaluation_periods=3, datapoints_to_alarm=2, statistic="Maximum",
                extended_statistic=None, comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1.0, treat_missing_data=None, namespace="NS", metric_name="Depth",
                unit=None, dimensions=DIMS)
    base.update(kw)
    return SimpleNamespace(**base)


def point(value, periods_ago, dims=DIMS):
    ts = NOW - timedelta(seconds=10 * periods_ago)
    return SimpleNamespace(namespace="NS", name="Depth", unit=None, dimensions=dims,
                           timestamp=ts, value=value)


def test_m_out_of_n_breaching_datapoints_alarm():
    assert evaluate(alarm(), [point(5, 0), point(0, 1), point(5, 2)], NOW).state == "ALARM"


def test_fewer_than_m_breaching_datapoints_stay_ok():
    assert evaluate(alarm(), [point(5, 0), point(0, 1), point(0, 2)], NOW).state == "OK"


def test_missing_periods_follow_treat_missing_data():
    data = [point(5, 0)]  # one breaching datapoint, two empty periods
    assert evaluate(alarm(treat_missing_data="breaching"), data, NOW).state == "ALARM"
    assert evaluate(alarm(treat_missing_data="notBreaching"), data, NOW).state == "OK"
    assert evaluate(alarm(treat_missing_data="missing"), [], NOW).state == "INSUFFICIENT_DATA"
    assert evaluate(alarm(treat_missing_data="ignore"), [], NOW).state is None


def test_other_dimensions_are_another_metric():
    other = [point(5, 0, [SimpleNamespace(name="Queue", value="main")])]
    assert evaluate(alarm(), other, NOW).state == "INSUFFICIENT_DATA"


def test_statistic_is_applied_per_period():
    data = [point(1, 0), point(1, 0), point(1, 0)]
    single = alarm(evaluation_periods=1, datapoints_to_alarm=1, threshold=3.0)
    assert evaluate(single, data, NOW).state == "OK"                       # Maximum 1
    assert evaluate(alarm(evaluation_periods=1, datapoints_to_alarm=1, threshold=3.0,
                          statistic="Sum"), data, NOW).state == "ALARM"    # Sum 3
