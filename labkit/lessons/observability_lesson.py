"""Helpers for lesson 08 (observability): load the log events of many Lambda functions into one
DataFrame, the way CloudWatch Logs Insights sees them, and draw one request's path as a timeline.

Functions with ``LoggingConfig={"LogFormat": "JSON"}`` write JSON lines: platform events
(``{"type": "platform.report", "record": {...}}``), Powertools Logger lines (``level``,
``message``, ``correlation_id``, ``function_request_id``, ``cold_start``, ...) and lines of the
standard ``logging`` module (``requestId``). ``parse_log_event`` flattens any of them into one
row; lines that are not JSON (a ``print``, a traceback) keep their text as ``message``.

The queries themselves (one request in order, cold starts, error rate) are plain pandas in the
lesson, so the learner reads them; only the loading and plotting live here.
"""
from __future__ import annotations

import json
from typing import Any

import pandas as pd

EVENT_COLUMNS = ["time", "function", "type", "level", "message", "correlation_id", "request_id",
                 "cold_start", "duration_ms", "init_ms", "log_stream", "fields"]
LEVEL_COLOURS = {"DEBUG": "tab:grey", "INFO": "tab:blue", "WARNING": "tab:orange",
                 "ERROR": "tab:red", "CRITICAL": "tab:red"}


def parse_log_event(event: dict, function: str) -> dict[str, Any]:
    """One CloudWatch Logs event (``filter_log_events`` shape) -> one flat row (EVENT_COLUMNS)."""
    text = event.get("message", "").strip()
    row: dict[str, Any] = {
        "time": pd.Timestamp(event["timestamp"], unit="ms"), "function": function, "type": "text",
        "level": None, "message": text, "correlation_id": None, "request_id": None,
        "cold_start": None, "duration_ms": None, "init_ms": None,
        "log_stream": event.get("logStreamName", ""), "fields": {}}
    try:
        doc = json.loads(text) if text.startswith("{") else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        if text.startswith("[ERROR]"):  # an unhandled exception logged by the runtime in text form
            row["level"] = "ERROR"
        return row
    row["fields"] = doc
    if isinstance(doc.get("type"), str) and doc["type"].startswith("platform."):
        record = doc.get("record") or {}
        metrics = record.get("metrics") or {}
        row.update(type=doc["type"], request_id=record.get("requestId"),
                   message=doc["type"].split(".", 1)[1], duration_ms=metrics.get("durationMs"),
                   init_ms=metrics.get("initDurationMs"))
        if doc["type"] == "platform.report":
            row["cold_start"] = metrics.get("initDurationMs") is not None
        return row
    if "_aws" in doc:  # an embedded-metric-format document (Powertools Metrics)
        row.update(type="metrics", message="metrics: " + ", ".join(
            m["Name"] for d in doc["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])))
        return row
    message = doc.get("message")
    row.update(type="app", level=doc.get("level"),
               message=message if isinstance(message, str) else json.dumps(message),
               correlation_id=doc.get("correlation_id"),
               request_id=doc.get("function_request_id") or doc.get("requestId"),
               cold_start=doc.get("cold_start"))
    return row


def load_log_events(logs, group_prefix: str, since: float | None = None) -> pd.DataFrame:
    """Every event of every log group whose name starts with ``group_prefix`` (e.g.
    ``/aws/lambda/l08-ab12cd-``), parsed, oldest first. ``since`` is epoch seconds."""
    rows = []
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group_prefix):
        for group in page.get("logGroups", []):
            name = group["logGroupName"]
            kwargs: dict[str, Any] = {"logGroupName": name}
            if since is not None:
                kwargs["startTime"] = int(since * 1000)
            for events in logs.get_paginator("filter_log_events").paginate(**kwargs):
                function = name.rsplit("/", 1)[-1]
                rows += [parse_log_event(e, function) for e in events.get("events", [])]
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def plot_request_path(ax, path: pd.DataFrame, title: str = "") -> None:
    """One request's log lines as a timeline: one row per function (in order of first
    appearance), one dot per line coloured by level, errors labelled with their message."""
    if path.empty:
        ax.set_title(title + " (no log lines)")
        return
    start = path["time"].min()
    seconds = (path["time"] - start).dt.total_seconds()
    hops = list(dict.fromkeys(path["function"]))
    rows = path["function"].map(hops.index)
    ax.plot(seconds, rows, color="lightgrey", zorder=1)
    colours = path["level"].map(LEVEL_COLOURS).fillna("tab:grey")
    ax.scatter(seconds, rows, c=list(colours), zorder=2, s=40)
    for x, y, level, message in zip(seconds, rows, path["level"], path["message"]):
        if level in ("ERROR", "CRITICAL"):
            ax.annotate(str(message)[:40], (x, y), textcoords="offset points", xytext=(6, 6),
                        fontsize=8, color="tab:red")
    ax.set_yticks(range(len(hops)), hops)
    ax.invert_yaxis()
    ax.set_xlabel("seconds after the first line")
    ax.set_title(title)
