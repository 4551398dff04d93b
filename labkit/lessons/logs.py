"""Read a Lambda function's CloudWatch Logs: START/END/REPORT lines and JSON lines from handlers.

Lambda writes one REPORT line per invocation, e.g. (tab-separated on AWS)::

    REPORT RequestId: 8f5c...  Duration: 147.82 ms  Billed Duration: 148 ms  Memory Size: 512 MB
    Max Memory Used: 78 MB  Init Duration: 312.45 ms

``Init Duration`` is present only on the first invocation of a new execution environment (a
cold start). Logs reach CloudWatch asynchronously on AWS, so the ``wait_for_*`` helpers poll
until the expected number of lines has arrived.
"""
from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from labkit.cost.report_lines import REPORT_METRICS, report_line_fields
from labkit.lessons.polling import wait_until

REPORT_COLUMNS = ["timestamp", "log_stream", "request_id", *REPORT_METRICS, "cold"]


def parse_report_line(message: str) -> dict[str, Any] | None:
    """The fields of one REPORT line (NaN for a number it lacks, e.g. init_ms when warm), or
    None if ``message`` is not a REPORT line. Read by labkit.cost's parser, as bills are."""
    if not message.startswith("REPORT "):
        return None
    fields = report_line_fields(message)
    row: dict[str, Any] = {"request_id": fields.get("request_id")}
    row.update({name: fields.get(name, math.nan) for name in REPORT_METRICS})
    row["cold"] = "init_ms" in fields  # Init Duration only on a cold start
    return row


def _log_group(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def read_log_messages(logs, function_name: str, since: float | None = None) -> list[dict]:
    """Every log event of the function (oldest first): dicts with timestamp (ms), message,
    logStreamName. ``since`` is an epoch time in seconds (e.g. ``time.time()`` before the
    experiment); events before it are left out. A function never invoked has no log group
    yet: that is an empty list, not an error."""
    kwargs: dict[str, Any] = {"logGroupName": _log_group(function_name)}
    if since is not None:
        kwargs["startTime"] = int(since * 1000)
    events: list[dict] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            events.extend(page.get("events", []))
    except logs.exceptions.ResourceNotFoundException:
        return []
    events.sort(key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))
    return events


def read_report_lines(logs, function_name: str, since: float | None = None) -> pd.DataFrame:
    """One row per REPORT line: timestamp, log_stream (= execution environment), request_id,
    duration_ms, billed_ms, memory_mb, max_memory_mb, init_ms (NaN when warm), cold."""
    rows = []
    for event in read_log_messages(logs, function_name, since):
        row = parse_report_line(event["message"].strip())
        if row is not None:
            row["timestamp"] = pd.Timestamp(event["timestamp"], unit="ms")
            row["log_stream"] = event.get("logStreamName", "")
            rows.append(row)
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def read_json_lines(logs, function_name: str, since: float | None = None,
                    kind: str | None = None) -> pd.DataFrame:
    """The JSON objects the handler printed (one per log line), as a DataFrame.

    Lessons' handlers print e.g. ``{"kind": "processed", "id": ...}``; pass ``kind`` to keep
    only those. Lines that are not JSON objects (START/END/REPORT, tracebacks) are skipped."""
    rows = []
    for event in read_log_messages(logs, function_name, since):
        text = event["message"].strip()
        if not text.startswith("{"):
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict) and (kind is None or obj.get("kind") == kind):
            rows.append(obj)
    return pd.DataFrame(rows)


def wait_for_reports(logs, function_name: str, count: int, since: float | None = None,
                     timeout: float = 60.0) -> pd.DataFrame:
    """Poll until at least ``count`` REPORT lines are in the logs; return them all."""
    return _wait_for_rows(lambda: read_report_lines(logs, function_name, since), count, timeout,
                          f"{count} REPORT line(s) of {function_name}")


def wait_for_json_lines(logs, function_name: str, count: int, since: float | None = None,
                        kind: str | None = None, timeout: float = 60.0) -> pd.DataFrame:
    """Poll until at least ``count`` JSON lines (of ``kind``) are in the logs; return them all."""
    return _wait_for_rows(lambda: read_json_lines(logs, function_name, since, kind), count, timeout,
                          f"{count} {kind or 'JSON'} line(s) of {function_name}")


def _wait_for_rows(read, count: int, timeout: float, what: str) -> pd.DataFrame:
    def enough():
        frame = read()
        # a DataFrame has no truth value: hand wait_until a (truthy) 1-tuple instead
        return (frame,) if len(frame) >= count else None

    return wait_until(enough, timeout=timeout, interval=0.3, what=what)[0]
