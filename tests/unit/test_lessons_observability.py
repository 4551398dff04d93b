"""Lesson 08's log parsing: JSON platform lines, Powertools lines, EMF lines and plain text."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from labkit.lessons.observability_lesson import load_log_events, parse_log_event, plot_request_path  # noqa: E402


def _event(message: str | dict, ts: int = 1_700_000_000_000) -> dict:
    return {"timestamp": ts, "message": message if isinstance(message, str) else json.dumps(message),
            "logStreamName": "s"}


def test_platform_report_gives_request_id_duration_and_cold_start():
    row = parse_log_event(_event({"time": "x", "type": "platform.report", "record": {
        "requestId": "r1", "metrics": {"durationMs": 4.8, "initDurationMs": 86.4}}}), "fn")
    assert (row["type"], row["request_id"], row["duration_ms"], row["init_ms"], row["cold_start"]) == \
        ("platform.report", "r1", 4.8, 86.4, True)
    warm = parse_log_event(_event({"type": "platform.report", "record": {"requestId": "r2",
                                                                         "metrics": {"durationMs": 1}}}), "fn")
    assert warm["cold_start"] is False


def test_powertools_line_gives_level_correlation_and_request_id():
    row = parse_log_event(_event({"level": "ERROR", "message": "out of stock", "correlation_id": "c-1",
                                  "function_request_id": "r1", "cold_start": False}), "fulfil")
    assert (row["type"], row["level"], row["message"], row["correlation_id"], row["request_id"]) == \
        ("app", "ERROR", "out of stock", "c-1", "r1")


def test_the_runtimes_error_line_says_the_error():
    """An unhandled error, JSON log format: the runtime logs errorType and errorMessage, no
    "message" (the lesson's widget once printed "ERROR in fulfil: null")."""
    row = parse_log_event(_event({"timestamp": "2026-12-07T10:00:00Z", "level": "ERROR",
                                  "errorType": "OutOfStock", "errorMessage": "no widgets left",
                                  "requestId": "r7", "stackTrace": ["  File ..."]}), "fulfil")
    assert (row["level"], row["message"], row["request_id"]) == ("ERROR", "OutOfStock: no widgets left", "r7")


def test_standard_logging_json_line_uses_requestId():
    row = parse_log_event(_event({"level": "INFO", "message": "m", "requestId": "r9"}), "fn")
    assert row["request_id"] == "r9" and row["correlation_id"] is None


def test_emf_and_text_lines():
    emf = parse_log_event(_event({"_aws": {"CloudWatchMetrics": [{"Namespace": "N", "Metrics": [
        {"Name": "OrdersFailed"}]}]}, "OrdersFailed": [1.0]}), "fn")
    assert emf["type"] == "metrics" and "OrdersFailed" in emf["message"]
    text = parse_log_event(_event("a print"), "fn")
    assert text["type"] == "text" and text["message"] == "a print" and text["level"] is None
    crash = parse_log_event(_event("[ERROR] ValueError: boom"), "fn")
    assert crash["level"] == "ERROR"


class _FakeLogs:
    """describe_log_groups / filter_log_events paginators over an in-memory dict."""

    def __init__(self, groups: dict[str, list[dict]]):
        self.groups = groups

    def get_paginator(self, operation):
        groups = self.groups

        class Paginator:
            def paginate(self, **kwargs):
                if operation == "describe_log_groups":
                    yield {"logGroups": [{"logGroupName": g} for g in groups
                                         if g.startswith(kwargs["logGroupNamePrefix"])]}
                else:
                    since = kwargs.get("startTime", 0)
                    yield {"events": [e for e in groups[kwargs["logGroupName"]] if e["timestamp"] >= since]}
        return Paginator()


def test_load_log_events_merges_groups_in_time_order_and_respects_since():
    fake = _FakeLogs({
        "/aws/lambda/p-api": [_event({"level": "INFO", "message": "a", "correlation_id": "c"}, 3000)],
        "/aws/lambda/p-orders": [_event("old", 1000), _event({"level": "INFO", "message": "b"}, 2000)],
        "/aws/lambda/other": [_event("not mine", 2500)],
    })
    frame = load_log_events(fake, "/aws/lambda/p-", since=1.5)
    assert list(frame["function"]) == ["p-orders", "p-api"]
    assert list(frame["message"]) == ["b", "a"]
    fig, ax = plt.subplots()
    plot_request_path(ax, frame, "t")   # draws one row per function without failing
    assert [t.get_text() for t in ax.get_yticklabels()] == ["p-orders", "p-api"]
    plt.close(fig)
