"""The alarm evaluator: CloudWatch metric alarms evaluated on a timer, as AWS does.

moto stores alarms but never evaluates them. This component looks at each metric alarm's
datapoints (moto's metric store: PutMetricData plus whatever our publishers write),
decides OK / ALARM / INSUFFICIENT_DATA following "Evaluating an alarm" in the CloudWatch
User Guide, and calls moto's Alarm.update_state on a change; the cloudwatch_alarms patch
turns such a change into history and SNS actions.

Simplifications (said here, so nobody relies on them): metric-math alarms (Metrics=[...])
and anomaly-detection operators are not evaluated; with TreatMissingData=missing the
evaluator does not look back beyond the evaluation range.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

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


def _same_metric(alarm, datum) -> bool:
    if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
        return False
    if alarm.unit and datum.unit and datum.unit != alarm.unit:
        return False
    want = {(d.name, d.value) for d in alarm.dimensions}
    have = {(d.name, d.value) for d in datum.dimensions}
    return want == have


def evaluate(alarm, datums: list, now: datetime) -> Verdict:
    """The state `alarm` should be in at `now`, given all stored datums."""
    period = int(alarm.period)
    n = int(alarm.evaluation_periods)
    m = int(alarm.datapoints_to_alarm or n)
    stat = alarm.statistic or alarm.extended_statistic
    compare, words = COMPARISONS[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    treat = alarm.treat_missing_data or "missing"

    now = _utc(now)
    epoch = int(now.timestamp())
    current_start = epoch - epoch % period
    buckets: dict[int, list] = {}
    oldest = current_start - n * period
    for d in datums:
        if not _same_metric(alarm, d):
            continue
        ts = int(_utc(d.timestamp).timestamp())
        if oldest <= ts <= epoch:
            buckets.setdefault(ts - ts % period, []).append(d)
    # The current period counts once it has data (so alarms react quickly); otherwise the
    # range is the last n complete periods.
    newest = current_start if current_start in buckets else current_start - period
    starts = [newest - i * period for i in range(n)]  # newest first
    values = [statistic(buckets[s], stat) if s in buckets else None for s in starts]

    breaching: list[bool] = []
    for v in values:
        if v is not None:
            breaching.append(compare(v, threshold))
        elif treat == "breaching":
            breaching.append(True)
        elif treat == "notBreaching":
            breaching.append(False)
    present = [(s, v) for s, v in zip(starts, values) if v is not None]
    data = _reason_data(alarm, stat, now, starts, present, threshold)
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


def _reason_data(alarm, stat, now, starts, present, threshold) -> str:
    start = datetime.fromtimestamp(starts[-1], tz=timezone.utc)
    return json.dumps({
        "version": "1.0", "queryDate": _iso(now), "startDate": _iso(start),
        "statistic": stat, "period": int(alarm.period),
        "recentDatapoints": [v for _, v in present], "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": _iso(datetime.fromtimestamp(s, tz=timezone.utc)), "value": v}
            for s, v in present],
    })


class AlarmEvaluator(PeriodicComponent):
    """Component "alarm-evaluator": evaluates every metric alarm each `interval` seconds."""

    name = "alarm-evaluator"

    def __init__(self, interval: float = 1.0):
        super().__init__(interval)
        self.evaluations = 0
        self.transitions = 0

    def tick(self) -> None:
        self.evaluate_all()

    def reset(self) -> None:
        self.evaluations = self.transitions = 0

    def health(self) -> dict[str, Any]:
        return {"interval_s": self.interval, "evaluations": self.evaluations,
                "transitions": self.transitions}

    def evaluate_all(self, now: datetime | None = None) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        now = now or datetime.now(timezone.utc)
        for account, regions in list(cloudwatch_backends.items()):
            for region, backend in list(regions.items()):
                alarms = [a for a in list(backend.alarms.values())
                          if a.metric_name and not a.metric_data_queries and not a.rule
                          and a.comparison_operator in COMPARISONS]
                if not alarms:
                    continue
                horizon = now - timedelta(seconds=max(
                    int(a.period) * (int(a.evaluation_periods) + 1) for a in alarms))
                datums = [d for d in backend.get_all_metrics() if _utc(d.timestamp) >= horizon]
                for alarm in alarms:
                    verdict = evaluate(alarm, datums, now)
                    self.evaluations += 1
                    if verdict.state and verdict.state != alarm.state_value:
                        alarm.update_state(verdict.reason, verdict.reason_data, verdict.state)
                        self.transitions += 1
