"""Helpers for lesson 08 (observability): read log events with a filter pattern (FilterLogEvents)
or all of them into one DataFrame, run a Logs Insights query to its end, draw one request's path
as a timeline, and model what queries cost.

Functions with ``LoggingConfig={"LogFormat": "JSON"}`` write JSON lines: platform events
(``{"type": "platform.report", "record": {...}}``), Powertools Logger lines (``level``,
``message``, ``correlation_id``, ``function_request_id``, ``cold_start``, ...) and lines of the
standard ``logging`` module (``requestId``). ``parse_log_event`` flattens any of them into one
row; lines that are not JSON (a ``print``, a traceback) keep their text as ``message``.

The patterns and queries themselves are in the lesson's cells, so the learner reads them; here
are only the paging, the polling and the arithmetic around them.
"""
from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd

from labkit.cost.prices import CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB
from labkit.cost.services import logs_insights_cost
from labkit.lessons.polling import wait_until

GB = 1024 ** 3                 # bytes in a GB, as labkit.cost counts log volumes

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
    if message is None and "errorType" in doc:
        # the runtime's own line for an unhandled error (JSON log format): errorType,
        # errorMessage, stackTrace and requestId, no "message" (awslambdaric's log_error)
        message = f"{doc['errorType']}: {doc.get('errorMessage', '')}"
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


def request_path(frame: pd.DataFrame, correlation_id: str) -> pd.DataFrame:
    """Every line of one request, in time order: its id's lines, plus the id-less lines
    (platform.start/report, the runtime's error report) of the invocations that handled it."""
    own = frame["correlation_id"] == correlation_id
    invocations = set(frame.loc[own, "request_id"].dropna())
    theirs = frame["correlation_id"].isna() & frame["request_id"].isin(invocations)
    return frame[own | theirs].sort_values("time", kind="stable")


def filter_events(logs, groups: dict[str, str], pattern: str,
                  since: float | None = None) -> pd.DataFrame:
    """FilterLogEvents with ``pattern`` in each log group of ``groups`` (name -> group; one call
    per group, as the API takes one), every page, parsed and merged in time order."""
    rows = []
    for name, group in groups.items():
        kwargs: dict[str, Any] = {"logGroupName": group, "filterPattern": pattern}
        if since is not None:
            kwargs["startTime"] = int(since * 1000)
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            rows += [parse_log_event(e, name) for e in page.get("events", [])]
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def run_query(logs, groups: list[str], query: str, since: float,
              timeout: float = 60.0) -> tuple[pd.DataFrame, dict[str, float]]:
    """StartQuery over ``groups`` from ``since`` (epoch seconds) to now, GetQueryResults polled
    until the query ends (deadline ``timeout``); -> (one row per result, the statistics:
    recordsScanned, recordsMatched, bytesScanned). Fields of @log lose their account prefix."""
    query_id = logs.start_query(logGroupNames=groups, queryString=query,
                                startTime=int(since), endTime=int(time.time()) + 1)["queryId"]

    def ended():
        result = logs.get_query_results(queryId=query_id)
        return result if result["status"] not in ("Scheduled", "Running") else None

    result = wait_until(ended, timeout=timeout, interval=0.2, what="the Logs Insights query")
    if result["status"] != "Complete":
        raise RuntimeError(f"the query ended {result['status']}: {query}")
    rows = [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"}
            for row in result["results"]]
    frame = pd.DataFrame(rows)
    if "@log" in frame:
        frame["@log"] = frame["@log"].str.split(":", n=1).str[-1]
    return frame, dict(result.get("statistics", {}))


def query_cost_view(statistics: dict[str, dict[str, float]], orders: int,
                    orders_per_day: float, refreshes_per_day: float) -> pd.DataFrame:
    """What each query cost (bytes scanned x the Logs Insights price, modelled), and what the
    same query would cost over a day of ``orders_per_day`` orders, once and when a dashboard
    re-runs it ``refreshes_per_day`` times a day for 30 days. Scanned bytes grow with the
    orders the log groups hold: bytes per order = bytes scanned here / ``orders``."""
    rows = []
    for name, stats in statistics.items():
        scanned = float(stats.get("bytesScanned", 0.0))
        day_gb = scanned / max(orders, 1) * orders_per_day / GB
        rows.append({
            "query": name, "records scanned": int(stats.get("recordsScanned", 0)),
            "records matched": int(stats.get("recordsMatched", 0)),
            "bytes scanned (emulated)": int(scanned),
            "USD this run (modelled)": logs_insights_cost(scanned / GB).total_usd,
            "GB over one day of traffic (modelled)": day_gb,
            "USD per run over one day (modelled)": logs_insights_cost(day_gb).total_usd,
            "USD a month as a dashboard (modelled)": logs_insights_cost(
                day_gb, queries=refreshes_per_day * 30).total_usd})
    return pd.DataFrame(rows).set_index("query")


PRICE_NOTE = (f"{CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB.describe()} "
              f"({CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB.source}, us-east-1, checked "
              f"{CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB.checked})")


def missing_failure_lines(errors: pd.DataFrame, picked_up: pd.DataFrame, timed_out: set[str],
                          failed_in_orders, failed_in_fulfil) -> list[str]:
    """What is still missing before every failed order's lines are in (empty: nothing).

    ``errors``: the lines at level ERROR; ``picked_up``: `orders`' "order picked up" lines;
    ``timed_out``: the request ids whose REPORT says ``timeout``. An order failed in `orders` is
    rejected once per delivery that ran to its end: a delivery that timed out (a busy machine)
    may have logged "picked up" and died before the rejection, so it is not waited for. An
    order failed in `fulfil` has our "out of stock" line and, from the same invocation, the
    runtime's report of the unhandled exception (no correlation id, the same request id)."""
    by_order = errors["correlation_id"].value_counts()
    answered = picked_up[~picked_up["request_id"].isin(timed_out)]["correlation_id"].value_counts()
    missing = [f"{c}: {by_order.get(c, 0)} rejection line(s) of {max(1, answered.get(c, 0))} expected"
               for c in failed_in_orders if by_order.get(c, 0) < max(1, answered.get(c, 0))]
    runtime_requests = set(errors.loc[errors["correlation_id"].isna(), "request_id"])
    for c in failed_in_fulfil:
        ours = errors[errors["correlation_id"] == c]
        if ours.empty:
            missing.append(f"{c}: no line of fulfil's failure")
        missing += [f"{c}: no runtime error line for request {r}" for r in ours["request_id"]
                    if r not in timed_out and r not in runtime_requests]
    return missing
