"""The alarm evaluator: CloudWatch metric alarms evaluated on a timer, as AWS does.

moto stores alarms but never evaluates them. This component looks at each metric alarm's
datapoints (moto's metric store: PutMetricData plus whatever our publishers write),
decides OK / ALARM / INSUFFICIENT_DATA following "Evaluating an alarm" in the CloudWatch
User Guide, and calls moto's Alarm.update_state on a change; the cloudwatch_alarms patch
turns such a change into history and SNS actions.

Metric-math alarms (PutMetricAlarm with Metrics=[...]) are evaluated too: each MetricStat
query's Stat per period, then the one query with ReturnData true (labkit/emulator/metric_math.py
says which expressions and what AWS semantics), then the same M out of N and TreatMissingData
rules as a single-metric alarm.

Simplifications (said here, so nobody relies on them): anomaly-detection operators and
Metrics Insights queries are not evaluated; the MetricStat queries of a metric-math alarm must
share one Period; with TreatMissingData=missing the evaluator does not look back beyond the
evaluation range. An alarm the evaluator cannot evaluate keeps its state and is reported once
on stderr.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from labkit.emulator import metric_math
from labkit.emulator.periodic import PeriodicComponent

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}


@dataclass
class Verdict:
    state: str            # OK | ALARM | INSUFFICIENT_DATA, or None for "keep the current state"
    reason: str
    reason_data: str


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def _samples(datum) -> tuple[list[float], float, float, float, float]:
    """(single values, sum, minimum, maximum, sample count) of one stored datum."""
    if hasattr(datum, "value"):
        v = float(datum.value)
        return [v], v, v, v, 1.0
    return ([], float(datum.sum_stat), float(datum.min_stat), float(datum.max_stat),
            float(datum.sample_count))


def statistic(data: list, stat: str) -> float:
    """One period's statistic over moto datums (single values and statistic sets)."""
    parts = [_samples(d) for d in data]
    total = sum(p[1] for p in parts)
    count = sum(p[4] for p in parts)
    if stat == "Sum":
        return total
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return total / count if count else 0.0
    if stat == "Minimum":
        return min(p[2] for p in parts)
    if stat == "Maximum":
        return max(p[3] for p in parts)
    if stat.startswith("p"):  # percentile over single values, nearest rank
        values = sorted(v for p in parts for v in p[0])
        if not values:
            return max(p[3] for p in parts)
        rank = max(1, math.ceil(float(stat[1:]) / 100 * len(values)))
        return values[rank - 1]
    raise ValueError(f"unsupported statistic {stat}")


def _metric_filter(namespace, name, unit, dimensions):
    """Whether a stored datum is of this metric (and of this unit, when both name one)."""
    want = {(d.name, d.value) for d in dimensions}

    def match(datum) -> bool:
        if datum.namespace != namespace or datum.name != name:
            return False
        if unit and datum.unit and datum.unit != unit:
            return False
        return {(d.name, d.value) for d in datum.dimensions} == want
    return match


def _per_period(metrics: dict, datums: list, period: int, epoch: int, n: int):
    """The n newest period starts (newest first) and, for each metric id in `metrics`
    ({id: (filter, statistic)}), its statistic in each of those periods that has data."""
    current_start = epoch - epoch % period
    oldest = current_start - n * period
    buckets: dict[str, dict[int, list]] = {key: {} for key in metrics}
    for d in datums:
        ts = int(_utc(d.timestamp).timestamp())
        if oldest <= ts <= epoch:
            for key, (match, _) in metrics.items():
                if match(d):
                    buckets[key].setdefault(ts - ts % period, []).append(d)
    # The current period counts once it has data (so alarms react quickly); otherwise the
    # range is the last n complete periods.
    has_current = any(current_start in b for b in buckets.values())
    newest = current_start if has_current else current_start - period
    starts = [newest - i * period for i in range(n)]
    return starts, {key: {s: statistic(b[s], metrics[key][1]) for s in starts if s in b}
                    for key, b in buckets.items()}


def alarm_period(alarm) -> int:
    """An alarm's Period; for metric math (no Period of its own) its longest MetricStat Period."""
    if alarm.metric_name:
        return int(alarm.period)
    return max((int(q.metric_stat.period) for q in alarm.metric_data_queries if q.metric_stat),
               default=60)


def _metric_math(alarm, datums: list, epoch: int, n: int):
    """Period starts and the ReturnData query's values of a metric-math alarm.

    API Reference, "MetricDataQuery": of the alarm's queries "one must have true as the value
    for ReturnData. The result of this expression is the value the alarm watches"; each
    MetricStat query names its metric, Period and Stat. An omitted ReturnData counts as false
    here (the API's default of true is documented for GetMetricData only).
    """
    queries = alarm.metric_data_queries
    returned = [q for q in queries if q.return_data]
    if len(returned) != 1:
        raise ValueError("exactly one of the alarm's Metrics must have ReturnData true")
    stats = {q.id: q.metric_stat for q in queries if q.metric_stat}
    period = alarm_period(alarm)
    if any(int(s.period) != period for s in stats.values()):
        raise ValueError("the MetricStat queries have different periods")
    metrics = {qid: (_metric_filter(s.metric.namespace, s.metric.metric_name, s.unit,
                                    s.metric.dimensions), s.stat) for qid, s in stats.items()}
    starts, series = _per_period(metrics, datums, period, epoch, n)
    ids = {**{q.id: q.expression for q in queries if q.expression}, **series}
    # A ReturnData MetricStat (no Expression) is watched as it is: its id is the expression.
    return starts, metric_math.evaluate(returned[0].expression or returned[0].id, ids, starts)


def evaluate(alarm, datums: list, now: datetime) -> Verdict:
    """The state `alarm` should be in at `now`, given all stored datums.

    ValueError when the alarm cannot be evaluated (an unsupported statistic or expression).
    """
    n = int(alarm.evaluation_periods)
    m = int(alarm.datapoints_to_alarm or n)
    compare, words = COMPARISONS[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    treat = alarm.treat_missing_data or "missing"

    now = _utc(now)
    epoch = int(now.timestamp())
    period = alarm_period(alarm)
    if alarm.metric_name:
        stat = alarm.statistic or alarm.extended_statistic
        metric = _metric_filter(alarm.namespace, alarm.metric_name, alarm.unit, alarm.dimensions)
        starts, series = _per_period({"m": (metric, stat)}, datums, period, epoch, n)
        result = series["m"]
    else:
        stat = None  # each MetricStat has its own
        starts, result = _metric_math(alarm, datums, epoch, n)
    values = [result.get(s) for s in starts]

    breaching: list[bool] = []
    for v in values:
        if v is not None:
            breaching.append(compare(v, threshold))
        elif treat == "breaching":
            breaching.append(True)
        elif treat == "notBreaching":
            breaching.append(False)
    present = [(s, v) for s, v in zip(starts, values) if v is not None]
    data = _reason_data(period, stat, now, starts, present, threshold)
    if not breaching:
        if treat == "ignore":
            return Verdict(None, "", data)
        return Verdict("INSUFFICIENT_DATA",
                       f"Insufficient Data: {n} datapoint{'s' if n > 1 else ''} were unknown.", data)
    bad = sum(breaching)
    shown = ", ".join(f"{v} ({_stamp(s)})" for s, v in present) or "no datapoints"
    if bad >= m:
        reason = (f"Threshold Crossed: {bad} out of the last {len(breaching)} datapoints "
                  f"[{shown}] {'was' if bad == 1 else 'were'} {words} the threshold ({threshold}) "
                  f"(minimum {m} datapoint{'s' if m > 1 else ''} for OK -> ALARM transition).")
        return Verdict("ALARM", reason, data)
    reason = (f"Threshold Crossed: {len(breaching) - bad} out of the last {len(breaching)} "
              f"datapoints [{shown}] {'was' if len(breaching) - bad == 1 else 'were'} not "
              f"{words} the threshold ({threshold}) (minimum 1 datapoint for ALARM -> OK transition).")
    return Verdict("OK", reason, data)


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _reason_data(period, stat, now, starts, present, threshold) -> str:
    start = datetime.fromtimestamp(starts[-1], tz=timezone.utc)
    data = {
        "version": "1.0", "queryDate": _iso(now), "startDate": _iso(start),
        "statistic": stat, "period": period,
        "recentDatapoints": [v for _, v in present], "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": _iso(datetime.fromtimestamp(s, tz=timezone.utc)), "value": v}
            for s, v in present],
    }
    if stat is None:  # a metric-math alarm has no single statistic
        del data["statistic"]
    return json.dumps(data)


class AlarmEvaluator(PeriodicComponent):
    """Component "alarm-evaluator": evaluates every metric alarm each `interval` seconds."""

    name = "alarm-evaluator"

    def __init__(self, interval: float = 1.0):
        super().__init__(interval)
        self.evaluations = 0
        self.transitions = 0
        self._reported: set[str] = set()

    def tick(self) -> None:
        self.evaluate_all()

    def reset(self) -> None:
        self.evaluations = self.transitions = 0
        self._reported.clear()

    def health(self) -> dict[str, Any]:
        return {"interval_s": self.interval, "evaluations": self.evaluations,
                "transitions": self.transitions}

    def evaluate_all(self, now: datetime | None = None) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        now = now or datetime.now(timezone.utc)
        for account, regions in list(cloudwatch_backends.items()):
            for region, backend in list(regions.items()):
                alarms = [a for a in list(backend.alarms.values())
                          if (a.metric_name or a.metric_data_queries) and not a.rule
                          and a.comparison_operator in COMPARISONS]
                if not alarms:
                    continue
                horizon = now - timedelta(seconds=max(
                    alarm_period(a) * (int(a.evaluation_periods) + 1) for a in alarms))
                datums = [d for d in backend.get_all_metrics() if _utc(d.timestamp) >= horizon]
                for alarm in alarms:
                    try:
                        verdict = evaluate(alarm, datums, now)
                    except ValueError as exc:  # one alarm we cannot evaluate must not stop the rest
                        self._report(f"alarm {alarm.name!r} is not evaluated: {exc}")
                        continue
                    self.evaluations += 1
                    if verdict.state and verdict.state != alarm.state_value:
                        alarm.update_state(verdict.reason, verdict.reason_data, verdict.state)
                        self.transitions += 1

    def _report(self, problem: str) -> None:
        """Say a problem once, not on every tick."""
        if problem not in self._reported:
            self._reported.add(problem)
            print(f"labkit {self.name}: {problem}", file=sys.stderr, flush=True)
