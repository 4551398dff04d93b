"""Lesson 08's waits and tallies: everything the lesson polls for (orders settled, failure lines,
metrics, pages, traces) and the arithmetic it reads the results with (metric totals, where a
slow trace's time went, what tracing costs).

Logs, metrics and traces reach their services asynchronously, so each wait polls with a
deadline and says what is still missing when it gives up. The filter patterns, queries and
alarms the lesson teaches stay in its cells; a pattern a helper needs only to know when to
stop waiting is here, named.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Callable

import pandas as pd

from labkit.lessons.observability_lesson import missing_failure_lines
from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress
from labkit.lessons.traces import (cold_start_child, faulted_annotations, fetch_traces, function_segments,
                                   leaves, summary_table, trace_root)

# the lines `missing_failure_lines` needs besides the errors: an order's deliveries, and the
# invocations that timed out (their REPORT says so; a timed-out delivery logs no rejection)
PICKED_UP = '{ $.message = "order picked up" }'
TIMED_OUT = '{ $.type = "platform.report" && $.record.status = "timeout" }'

# AWS X-Ray pricing page: the first 100,000 traces recorded a month are free, then $5.00 per
# million recorded and $0.50 per million retrieved or scanned
FREE_TRACES, PER_RECORDED, PER_READ = 100_000, 5.00 / 1e6, 0.50 / 1e6

Find = Callable[[str], pd.DataFrame]   # a filter pattern -> the matching lines of every group

# What the seeds measured on AWS from their REPORT lines, quoted as published (real AWS)
SEED_REPORT_FIGURES = pd.DataFrame({
    "real AWS": ["28 % of requests cold; average Init Duration 1,247 ms, worst 3,892 ms; average Duration 156 ms",
                 "Python 3.12 at 128 MB: cold start p50 380 ms, p99 1,100 ms",
                 "provisioned concurrency took the cold share from 28 % to under 1 %"],
    "source": ["seed 003 (Aaron Vasquez), its Logs Insights query in launch week",
               "seed 004, the author's benchmarks in late 2025", "seed 003"]})


# -- orders -----------------------------------------------------------------------------------
def place_at_once(pipeline, orders: list[dict], lam) -> pd.DataFrame:
    """Place every order at the same time through ``lam`` (a client that does not retry
    throttles); -> the orders api took (order_id, fail_at None, correlation_id): an order
    answered with 429 TooManyRequestsException never ran and is left out."""
    def try_to_order(order):
        try:
            return pipeline.place_order(order, lam=lam)
        except lam.exceptions.TooManyRequestsException:
            return None          # 429: Lambda never ran the code, the order was not taken

    with ThreadPoolExecutor(len(orders)) as pool:
        answers = list(pool.map(try_to_order, orders))
    return pd.DataFrame([{"order_id": order["order_id"], "fail_at": None, "correlation_id": answer}
                         for order, answer in zip(orders, answers) if answer],
                        columns=["order_id", "fail_at", "correlation_id"])


def wait_for_outcomes(pipeline, orders: pd.DataFrame, timeout: float) -> list[str]:
    """Each order's outcome (``pipeline.outcome``: dead-lettered, SUCCEEDED or FAILED), waited
    for one order at a time, in the frame's order (columns order_id, correlation_id, fail_at)."""
    outcomes = []
    with Progress(len(orders), "waiting for the orders to settle") as progress:
        for row in orders.itertuples():
            outcomes.append(wait_until(lambda: pipeline.outcome(row.correlation_id, row.fail_at),
                                       timeout=timeout, interval=0.5,
                                       what=f"order {row.order_id} to settle"))
            progress.step()
    return outcomes


# -- logs -------------------------------------------------------------------------------------
def wait_for_failure_lines(find: Find, pattern: str, placed: pd.DataFrame,
                           timeout: float = 60.0) -> pd.DataFrame:
    """``find(pattern)`` once every failed order's lines are in it (missing_failure_lines: an
    order failed in `orders` is rejected once per delivery that ran to its end, one failed in
    `fulfil` logs our line and the runtime's); the deadline error names what was missing."""
    failed_in_orders = placed.loc[placed["fail_at"] == "orders", "correlation_id"]
    failed_in_fulfil = placed.loc[placed["fail_at"] == "fulfil", "correlation_id"]
    missing = ["nothing read yet"]

    def failures_arrived():
        found = find(pattern)
        missing[:] = missing_failure_lines(found, find(PICKED_UP), set(find(TIMED_OUT)["request_id"]),
                                           failed_in_orders, failed_in_fulfil)
        return None if missing else (found,)

    return wait_until(failures_arrived, timeout=timeout, interval=0.5,
                      what=lambda: "the failures' lines (missing: " + "; ".join(missing) + ")")[0]


def hops_in_written_order(lines: pd.DataFrame) -> list[str]:
    """The functions of ``lines`` (filter_events rows of Powertools lines), in the order their
    handlers wrote them: by each line's own "timestamp", not by when it was ingested."""
    written = pd.to_datetime(lines["fields"].map(lambda f: f["timestamp"]), format="%Y-%m-%d %H:%M:%S,%f%z")
    return list(dict.fromkeys(lines.assign(written=written).sort_values("written", kind="stable")["function"]))


def report_durations(reports: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The REPORT statistics query's rows (strings) as numbers, one row per function, with the
    cold-start share in % (cold_starts / invocations)."""
    durations = reports.set_index(reports["@log"].str.removeprefix(f"/aws/lambda/{prefix}-")).drop(columns="@log")
    durations = durations.apply(pd.to_numeric)
    durations["cold_start_%"] = 100 * durations["cold_starts"] / durations["invocations"]
    return durations


def whole_request(path: pd.DataFrame, platform: pd.DataFrame, prefix: str, timing: str) -> pd.DataFrame:
    """Two Logs Insights results merged into one request's lines in time order: its own lines
    (level, message) and its invocations' id-less ones (type, errorType, duration), one text
    column "line", log groups named by function."""
    columns = ["@timestamp", "@log", "level", "message", "type", "errorType", "record.metrics.durationMs"]
    whole = pd.concat([path, platform]).sort_values("@timestamp", kind="stable").reindex(columns=columns).fillna("")
    whole["line"] = (whole["level"] + " " + whole["message"] + whole["type"] + " " + whole["errorType"]).str.strip()
    whole["@log"] = whole["@log"].str.removeprefix(f"/aws/lambda/{prefix}-")
    return whole[["@timestamp", "@log", "line", "record.metrics.durationMs"]].rename(
        columns={"record.metrics.durationMs": f"duration ms ({timing})"}).reset_index(drop=True)


# -- metrics ----------------------------------------------------------------------------------
def metric_totals(cloudwatch, namespace: str, since: float) -> pd.DataFrame:
    """Every metric of ``namespace`` summed since ``since`` (epoch s), one row each: a metric
    with dimensions came from the code (EMF), one without from a metric filter."""
    window = dict(StartTime=pd.Timestamp(since - 60, unit="s", tz="UTC"),
                  EndTime=pd.Timestamp(time.time() + 60, unit="s", tz="UTC"), Period=3600,
                  Statistics=["Sum"])
    totals, seen = [], set()
    for metric in cloudwatch.list_metrics(Namespace=namespace)["Metrics"]:
        key = (metric["MetricName"], json.dumps(metric["Dimensions"], sort_keys=True))
        if key in seen:   # the embedded backend lists a metric without dimensions once per data point
            continue
        seen.add(key)
        points = cloudwatch.get_metric_statistics(Namespace=namespace, MetricName=metric["MetricName"],
                                                  Dimensions=metric["Dimensions"], **window)["Datapoints"]
        totals.append({"metric": metric["MetricName"],
                       "from": "code (EMF)" if metric["Dimensions"] else "logs (metric filter)",
                       **{d["Name"]: d["Value"] for d in metric["Dimensions"]},
                       "sum": sum(p["Sum"] for p in points)})
    return pd.DataFrame(totals).fillna("").sort_values(["metric", "service"])


def counts_agree(from_code: float, from_logs: float, lines: int, timed_out: int) -> bool:
    """The metric filter counts every line; EMF counts them too, except the lines of an
    invocation that timed out: ``log_metrics`` writes the metrics when the handler returns,
    and a timed-out handler never returns (on AWS too)."""
    return from_logs == lines and lines - timed_out <= from_code <= lines


def wait_for_counts_to_agree(cloudwatch, namespace: str, find: Find, pattern: str, since: float,
                             timeout: float = 30.0) -> tuple[pd.DataFrame, tuple]:
    """-> (metric_totals, (OrdersFailed from EMF, FailedOrderLines from the metric filter, the
    lines ``pattern`` finds, those of them written by an invocation that timed out)), once
    ``counts_agree``: a message SQS hands out again meanwhile adds a line, and a datapoint,
    after a count. Raises AssertionError with the last counts if they never agree."""
    seen = []

    def three_counts():
        totals, lines = metric_totals(cloudwatch, namespace, since), find(pattern)
        reports = find('{ $.record.status = "timeout" }')   # lines of these invocations have no EMF
        timed_out = int(lines["request_id"].isin(set(reports["request_id"])).sum())
        counts = (totals.query("metric == 'OrdersFailed'")["sum"].sum(),
                  totals.query("metric == 'FailedOrderLines'")["sum"].sum(), len(lines), timed_out)
        seen.append(counts)
        return (totals, counts) if counts_agree(*counts) else None

    try:
        return wait_until(three_counts, timeout=timeout, interval=1,
                          what="the metrics and the log lines to agree")
    except TimeoutError:
        raise AssertionError(f"(EMF, metric filter, lines, lines of timed-out invocations) disagree: "
                             f"{seen[-3:]}") from None


def lambda_metric_total(cloudwatch, function: str, metric: str, since: float) -> float:
    """The Sum of one of Lambda's own metrics (AWS/Lambda, by FunctionName) since ``since``."""
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        StartTime=pd.Timestamp(since - 60, unit="s", tz="UTC"), EndTime=pd.Timestamp.now(tz="UTC"))
    return sum(point["Sum"] for point in points["Datapoints"])


def lambda_metrics_table(cloudwatch, functions: dict[str, str], metrics: tuple[str, ...],
                         since: float) -> pd.DataFrame:
    """One row per function (label -> its name), one column per AWS/Lambda metric: its Sum."""
    return pd.DataFrame({label: {metric: lambda_metric_total(cloudwatch, name, metric, since)
                                 for metric in metrics}
                         for label, name in functions.items()}).T


def wait_for_pages(pipeline, alarms: set[str], timeout: float) -> pd.DataFrame:
    """The pager's notifications once each of ``alarms`` has paged ALARM at least once (a count
    alarm goes back to OK once a period passes without failures: "fired" is "paged once")."""
    def all_fired():
        pages = pipeline.read_pager()
        return (pages,) if set(pages.loc[pages["to"] == "ALARM", "alarm"]) == set(alarms) else None

    with Progress(1, "waiting for the pages"):
        return wait_until(all_fired, timeout=timeout, interval=1, what="every alarm to page")[0]


def first_alarm_reason(cloudwatch, alarm_name: str) -> str:
    """DescribeAlarmHistory: the reason the alarm gave when it first went to ALARM."""
    history = cloudwatch.describe_alarm_history(AlarmName=alarm_name,
                                                HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    new_states = [json.loads(item["HistoryData"])["newState"] for item in history]
    return next(state["stateReason"] for state in new_states if state["stateValue"] == "ALARM")


# -- traces -----------------------------------------------------------------------------------
def wait_for_traces(xray, since: float, orders: set[str], failed: set[str],
                    timeout: float = 60.0) -> tuple[list[dict], dict[str, list[dict]], pd.DataFrame]:
    """-> (summaries, {trace id: documents}, summary_table) once every id of ``orders`` is among
    the traces' annotations and every id of ``failed`` among the faulted ones (a segment is
    sent when its invocation ends, so the last ones come late)."""
    def every_order_traced():
        summaries, found = fetch_traces(xray, since=since)
        table = summary_table(summaries)
        annotated = {value for values in table["correlation_id"] for value in values}
        failures_in = set(faulted_annotations(found)["correlation_id"])
        return (summaries, found, table) if orders <= annotated and failed <= failures_in else None

    return wait_until(every_order_traced, timeout=timeout, interval=1, what="every order's traces")


def label_traces(table: pd.DataFrame, traces: dict[str, list[dict]], rename) -> pd.DataFrame:
    """``table`` (summary_table) with "starts at", the segment each trace starts with, and its
    services, both ``rename``d (the run's prefix off)."""
    return table.assign(**{"starts at": table["trace_id"].map(lambda trace_id: rename(trace_root(traces[trace_id]))),
                           "services": table["services"].map(lambda names: [rename(n) for n in names])})


def api_front(table: pd.DataFrame, traces: dict[str, list[dict]], api_function: str,
              one_at_a_time: set[str]) -> pd.DataFrame:
    """The rows of ``table`` (summary_table, with a "starts at" column) whose trace starts at
    api: the requests a customer waited for, slowest first. Adds "init", the api function
    segment's cold-start child (cold_start_child: found by time, not by name) or None, "api
    cold", and "one at a time": the trace carries an order of ``one_at_a_time``."""
    front = table[table["starts at"] == "api"].copy()
    front["init"] = [cold_start_child(function_segments(traces[trace_id], api_function)[0])
                     for trace_id in front["trace_id"]]
    front["api cold"] = front["init"].notna()
    front["one at a time"] = front["order_id"].map(lambda ids: bool(one_at_a_time & set(ids)))
    return front


def search_traces(xray, since: float, expression: str) -> list[dict]:
    """GetTraceSummaries with a FilterExpression, from ``since`` (epoch s) to now: the search
    X-Ray runs on the server."""
    pages = xray.get_paginator("get_trace_summaries").paginate(
        StartTime=datetime.fromtimestamp(since, timezone.utc), EndTime=datetime.now(timezone.utc),
        FilterExpression=expression)
    return [summary for page in pages for summary in page["TraceSummaries"]]


def failed_orders_by_trace(by_trace: pd.DataFrame) -> pd.DataFrame:
    """faulted_annotations' rows, one per failed order: the function and the entity it failed
    in, and how many traces recorded a failure of it."""
    return by_trace.groupby(["order_id", "correlation_id"]).agg(
        function=("function", "first"), failed_in=("failed in", "first"),
        traces=("trace_id", "size")).reset_index()


def where_the_time_went(timeline: pd.DataFrame) -> pd.Series:
    """The longest leaf of a trace_timeline that ended while the caller still waited (within
    the first segment): the call a slow request spent its time in."""
    ends = leaves(timeline)
    waited_s = timeline["duration_ms"].iloc[0] / 1000
    within = ends[ends["start_s"] + ends["duration_ms"] / 1000 <= waited_s + 1e-6]
    return within.nlargest(1, "duration_ms").iloc[0]


def trace_cost_table(traces_per_order: float, orders_per_day: float) -> pd.DataFrame:
    """Traces recorded a month and their price (*modelled*), when every request is sampled and
    under AWS's default rule (the first request each second and 5 % of the others)."""
    per_second = orders_per_day / 86_400
    # the reservoir takes at most one request a second, so a quieter service is sampled whole
    sampled_per_second = min(1.0, per_second) + 0.05 * max(0.0, per_second - 1)
    monthly = {"every request (this backend)": orders_per_day * 30 * traces_per_order,
               "default sampling (1/s + 5 %)": sampled_per_second * 86_400 * 30 * traces_per_order}
    return pd.DataFrame([{"sampling": name, "traces recorded a month (modelled)": round(traces),
                          "USD a month (modelled)": max(0, traces - FREE_TRACES) * PER_RECORDED}
                         for name, traces in monthly.items()])
