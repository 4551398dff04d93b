"""Price what a function actually ran, from the REPORT lines Lambda writes to its logs.

Every invocation ends with one line like

  REPORT RequestId: 8f5e... Duration: 102.25 ms Billed Duration: 103 ms Memory Size: 128 MB
  Max Memory Used: 41 MB Init Duration: 230.50 ms

("Init Duration" only on a cold start), or, with the JSON log format, a `platform.report`
event carrying the same numbers under record.metrics. Billed Duration x Memory Size is the
GB-seconds you pay for; since 1 Aug 2025 the INIT phase is billed too.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from labkit.cost.breakdown import CostBreakdown
from labkit.cost.lambda_model import lambda_usage_cost

_NUMBER = r"\s*([0-9]+(?:\.[0-9]+)?)\s*"
# the numbers of a REPORT line, in the order Lambda writes them
REPORT_METRICS = {
    "duration_ms": re.compile(r"(?<!Billed )(?<!Init )(?<!Restore )Duration:" + _NUMBER + "ms"),
    "billed_ms": re.compile(r"Billed Duration:" + _NUMBER + "ms"),
    "memory_mb": re.compile(r"Memory Size:" + _NUMBER + "MB"),
    "max_memory_mb": re.compile(r"Max Memory Used:" + _NUMBER + "MB"),
    "init_ms": re.compile(r"Init Duration:" + _NUMBER + "ms"),
}
_REQUEST_ID = re.compile(r"RequestId:\s*(\S+)")
# record.metrics keys of a JSON `platform.report` event -> our field names
_JSON_METRICS = {"durationMs": "duration_ms", "billedDurationMs": "billed_ms",
                 "memorySizeMB": "memory_mb", "maxMemoryUsedMB": "max_memory_mb",
                 "initDurationMs": "init_ms"}


@dataclass(frozen=True)
class Report:
    """One invocation's REPORT line. init_ms is None on a warm start."""

    request_id: str
    duration_ms: float
    billed_ms: float
    memory_mb: float
    max_memory_mb: float | None = None
    init_ms: float | None = None

    @property
    def cold(self) -> bool:
        return self.init_ms is not None

    @property
    def init_in_billed(self) -> bool:
        """True when Billed Duration already covers the INIT phase (container images,
        custom runtimes, and REPORT lines written after the Aug 2025 change): then it is at
        least Duration + Init Duration, which a handler-only billed time never reaches."""
        return self.cold and self.billed_ms >= self.duration_ms + self.init_ms


def parse_report(entry: Any) -> Report | None:
    """A Report from a text REPORT line, a JSON platform.report event (str or dict), or a
    CloudWatch log event dict with a "message"; None for any other log line."""
    if isinstance(entry, dict) and "message" in entry and "record" not in entry:
        entry = entry["message"]
    if isinstance(entry, str):
        text = entry.strip()
        if text.startswith("{"):
            try:
                entry = json.loads(text)
            except ValueError:
                return None
        elif text.startswith("REPORT"):
            return _parse_text(text)
        else:
            return None
    if isinstance(entry, dict) and entry.get("type") == "platform.report":
        record = entry.get("record", {})
        metrics = record.get("metrics", {})
        values = {ours: metrics[theirs] for theirs, ours in _JSON_METRICS.items()
                  if theirs in metrics}
        if {"duration_ms", "billed_ms", "memory_mb"} <= values.keys():
            return Report(record.get("requestId", ""), **values)
    return None


def report_line_fields(line: str) -> dict[str, Any]:
    """The fields a text REPORT line holds, only those present: request_id (str) and the
    REPORT_METRICS (floats). A warm start has no init_ms; a line cut short lacks more."""
    fields: dict[str, Any] = {}
    request_id = _REQUEST_ID.search(line)
    if request_id:
        fields["request_id"] = request_id.group(1)
    for name, pattern in REPORT_METRICS.items():
        match = pattern.search(line)
        if match:
            fields[name] = float(match.group(1))
    return fields


def _parse_text(line: str) -> Report | None:
    values = report_line_fields(line)
    if not {"duration_ms", "billed_ms", "memory_mb"} <= values.keys():
        return None  # not a complete REPORT line
    return Report(values.pop("request_id", ""), **values)


def parse_reports(lines: Iterable[Any]) -> list[Report]:
    """Every REPORT among `lines` (strings, log event dicts, or a DataFrame with a
    "message" column); other log lines are skipped."""
    if hasattr(lines, "columns"):  # a pandas DataFrame of log events
        lines = lines["message"].tolist()
    return [r for r in (parse_report(line) for line in lines) if r is not None]


def reports_frame(lines: Iterable[Any]):
    """The REPORT lines as a DataFrame: one row per invocation, a `cold` column."""
    import pandas as pd

    rows = [dict(vars(r), cold=r.cold) for r in parse_reports(lines)]
    return pd.DataFrame(rows, columns=["request_id", "duration_ms", "billed_ms", "memory_mb",
                                       "max_memory_mb", "init_ms", "cold"])


@dataclass(frozen=True)
class Usage:
    """What a set of REPORT lines adds up to."""

    invocations: int
    cold_starts: int
    handler_gb_s: float
    init_gb_s: float  # INIT time not already inside Billed Duration

    def scaled(self, factor: float) -> Usage:
        """The same usage `factor` times over (to extrapolate a small run to a month)."""
        return Usage(round(self.invocations * factor), round(self.cold_starts * factor),
                     self.handler_gb_s * factor, self.init_gb_s * factor)


def usage_from_reports(reports: Iterable[Report]) -> Usage:
    invocations = cold = 0
    handler = init = 0.0
    for r in reports:
        gb = r.memory_mb / 1024
        invocations += 1
        handler += r.billed_ms / 1000 * gb
        if r.cold:
            cold += 1
            if not r.init_in_billed:
                init += math.ceil(r.init_ms) / 1000 * gb
    return Usage(invocations, cold, handler, init)


def cost_from_report_lines(lines: Iterable[Any], arch: str = "x86_64", free_tier: bool = False,
                           bill_init: bool = True, scale: float = 1.0) -> CostBreakdown:
    """Price the invocations whose REPORT lines are in `lines`.

    free_tier  off by default: a lab's few hundred invocations fit in the free tier, and
               what you want to see is what they would add to a real bill.
    bill_init  INIT time is billed since 1 Aug 2025 (on-demand ZIP, managed runtime).
    scale      multiply the usage first, e.g. scale=1_000_000/len(lines) prices a month
               of a million invocations that behave like these ones.
    """
    reports = parse_reports(lines)
    usage = usage_from_reports(reports).scaled(scale)
    init = usage.init_gb_s if bill_init else 0.0
    title = (f"Lambda {arch} from {len(reports):,} REPORT lines"
             + (f" x {scale:,.6g}" if scale != 1 else "")
             + f": {usage.invocations:,} invocations, {usage.cold_starts:,} cold starts")
    bill = lambda_usage_cost(usage.invocations, usage.handler_gb_s, init, arch=arch,
                             free_tier=free_tier, title=title)
    if not bill_init and usage.init_gb_s:
        bill.notes.append("INIT phase not billed (the rule before 1 Aug 2025)")
    return bill
