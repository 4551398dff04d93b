"""Lesson 08's query helpers: FilterLogEvents over several groups, a Logs Insights query polled to
its end, one request's path, and the modelled cost of queries (worked out by hand)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from labkit.lessons.observability_lesson import (
    GB, filter_events, query_cost_view, request_path, run_query,
)


def _event(doc: dict, ts: int) -> dict:
    return {"timestamp": ts, "message": json.dumps(doc), "logStreamName": "s"}


class _FakeLogs:
    """filter_log_events pages per group; an Insights query that runs twice, then completes."""

    def __init__(self, groups: dict[str, list[list[dict]]]):
        self.groups, self.calls, self.polls = groups, [], 0

    def get_paginator(self, operation):
        assert operation == "filter_log_events"
        fake = self

        class Paginator:
            def paginate(self, **kwargs):
                fake.calls.append(kwargs)
                for page in fake.groups[kwargs["logGroupName"]]:
                    yield {"events": page}
        return Paginator()

    def start_query(self, **kwargs):
        self.query = kwargs
        return {"queryId": "q-1"}

    def get_query_results(self, queryId):
        self.polls += 1
        if self.polls < 3:
            return {"status": "Running", "results": []}
        return {"status": "Complete",
                "statistics": {"recordsScanned": 4.0, "recordsMatched": 1.0, "bytesScanned": 400.0},
                "results": [[{"field": "@log", "value": "123456789012:/aws/lambda/p-api"},
                             {"field": "n", "value": "1"}, {"field": "@ptr", "value": "x"}]]}


def test_filter_events_reads_every_page_of_every_group_with_the_pattern():
    fake = _FakeLogs({"/aws/lambda/p-api": [[_event({"level": "ERROR", "message": "b"}, 2000)],
                                            [_event({"level": "ERROR", "message": "c"}, 3000)]],
                      "/aws/lambda/p-orders": [[_event({"level": "ERROR", "message": "a"}, 1000)]]})
    frame = filter_events(fake, {"api": "/aws/lambda/p-api", "orders": "/aws/lambda/p-orders"},
                          '{ $.level = "ERROR" }', since=0.5)
    assert list(frame["message"]) == ["a", "b", "c"] and list(frame["function"]) == ["orders", "api", "api"]
    assert {c["filterPattern"] for c in fake.calls} == {'{ $.level = "ERROR" }'}
    assert {c["startTime"] for c in fake.calls} == {500}


def test_run_query_polls_until_complete_and_drops_ptr_and_account():
    fake = _FakeLogs({})
    frame, stats = run_query(fake, ["/aws/lambda/p-api"], "stats count(*) as n by @log", since=100.0)
    assert fake.polls == 3 and fake.query["startTime"] == 100
    assert frame.to_dict("records") == [{"@log": "/aws/lambda/p-api", "n": "1"}]
    assert stats["bytesScanned"] == 400.0


def test_request_path_adds_the_id_less_lines_of_its_invocations_only():
    frame = pd.DataFrame([
        {"time": 3, "correlation_id": "c1", "request_id": "r1", "message": "mine"},
        {"time": 1, "correlation_id": None, "request_id": "r1", "message": "platform.start"},
        {"time": 2, "correlation_id": "c2", "request_id": "r1", "message": "batch neighbour"},
        {"time": 4, "correlation_id": None, "request_id": "r9", "message": "someone else's report"},
    ])
    assert list(request_path(frame, "c1")["message"]) == ["platform.start", "mine"]


def test_query_cost_view_by_hand():
    # 0.5 GB scanned for 10 orders = 0.05 GB per order; 1,000 orders a day = 50 GB per run.
    # this run: 0.5 x $0.005 = $0.0025; one day: 50 x $0.005 = $0.25;
    # a dashboard every 5 minutes for 30 days: 288 x 30 = 8,640 runs x $0.25 = $2,160
    view = query_cost_view({"q": {"bytesScanned": 0.5 * GB, "recordsScanned": 100,
                                  "recordsMatched": 5}}, orders=10, orders_per_day=1_000,
                           refreshes_per_day=288)
    row = view.loc["q"]
    assert row["records scanned"] == 100 and row["records matched"] == 5
    assert row["USD this run (modelled)"] == pytest.approx(0.0025)
    assert row["GB over one day of traffic (modelled)"] == pytest.approx(50)
    assert row["USD per run over one day (modelled)"] == pytest.approx(0.25)
    assert row["USD a month as a dashboard (modelled)"] == pytest.approx(2160)
