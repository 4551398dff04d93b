"""The lesson-09 downstream: a fixed number of connection slots, overload counted (HTTP 503); and
the lesson's plumbing around it (filling and draining a queue, its log lines, throttle helpers)."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pandas as pd
import pytest

from labkit.lessons import backpressure_lesson as lesson
from labkit.lessons.backpressure_lesson import FixedCapacityApi


def _call(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/work", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _burst(url: str, callers: int) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(callers)

    def one():
        start.wait()
        status = _call(url)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_requests_within_capacity_are_served():
    with FixedCapacityApi(capacity=2, service_time_s=0.01) as api:
        assert [_call(api.url) for _ in range(5)] == [200] * 5   # one at a time: never overloaded
        stats = api.stats()
    assert stats["served"] == 5 and stats["overloaded"] == 0 and stats["peak_in_flight"] == 1


def test_a_burst_above_capacity_is_refused_with_503_and_counted():
    # a long service time keeps the first requests holding their slots while the rest arrive
    with FixedCapacityApi(capacity=2, service_time_s=1.5) as api:
        statuses = _burst(api.url, 8)
        stats = api.stats()
        frame = api.requests()
    assert statuses.count(503) == stats["overloaded"] > 0
    assert stats["served"] == statuses.count(200) <= 8 - stats["overloaded"]
    assert stats["peak_in_flight"] > 2
    assert len(frame) == 8 and set(frame["status"]) == {200, 503}


def test_reset_forgets_requests_and_changes_capacity():
    with FixedCapacityApi(capacity=1, service_time_s=0.01) as api:
        _call(api.url)
        api.reset(capacity=3)
        assert api.stats() == {"capacity": 3, "requests": 0, "served": 0, "overloaded": 0,
                               "peak_in_flight": 0}


def test_a_caller_that_goes_away_is_counted_quietly(capsys):
    """A function that times out drops its connection mid-request: the downstream still counts
    the request and prints no traceback into the notebook or the grading log."""
    import socket
    import time

    with FixedCapacityApi(capacity=1, service_time_s=0.2) as api:
        host, port = api.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.sendall(b"GET /work HTTP/1.1\r\nHost: x\r\n\r\n")
        deadline = time.time() + 10
        while api.stats()["requests"] < 1 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # let the handler thread finish writing (or failing to)
        assert api.stats()["requests"] == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


# -- the lesson's drain plumbing and throttle helpers (fake clients) ----------------------------


class _Queue:
    """SendMessageBatch and the two depth counters of GetQueueAttributes."""

    def __init__(self, depths=()):
        self.batches, self.depths = [], list(depths)

    def send_message_batch(self, QueueUrl, Entries):
        self.batches.append(Entries)

    def get_queue_attributes(self, QueueUrl, AttributeNames):
        visible, in_flight = self.depths.pop(0) if len(self.depths) > 1 else self.depths[0]
        return {"Attributes": {"ApproximateNumberOfMessages": str(visible),
                               "ApproximateNumberOfMessagesNotVisible": str(in_flight)}}


def test_fill_queue_sends_the_backlog_ten_at_a_time_numbered_in_order():
    sqs = _Queue()
    lesson.fill_queue(sqs, "url", 23, "t")
    assert [len(b) for b in sqs.batches] == [10, 10, 3]
    bodies = [json.loads(e["MessageBody"])["n"] for b in sqs.batches for e in b]
    assert bodies == list(range(23))
    assert all(len({e["Id"] for e in b}) == len(b) for b in sqs.batches)   # ids unique per batch


def test_wait_until_drained_records_the_depth_until_nothing_is_left_in_flight_either():
    sqs = _Queue([(30, 0), (10, 10), (0, 5), (0, 0)])
    depth = lesson.wait_until_drained(sqs, "url", 30, started=0.0, label="t", timeout=10)
    assert list(depth["left"]) == [30, 20, 5, 0] and list(depth.columns) == ["t", "left"]


def test_wait_for_served_lines_keeps_this_queues_lines_until_every_call_is_logged(monkeypatch):
    reads = [[{"queue": "q1", "served": 10, "started": 1.0, "ended": 1.3}],
             [{"queue": "q1", "served": 10, "started": 1.0, "ended": 1.3},
              {"queue": "q0", "served": 10, "started": 0.0, "ended": 0.3},    # an earlier drain's
              {"queue": "q1", "served": 5, "started": 1.1, "ended": 1.4}]]
    monkeypatch.setattr(lesson, "read_json_lines",
                        lambda logs, function, since, kind: pd.DataFrame(reads.pop(0) if len(reads) > 1 else reads[0]))
    runs = lesson.wait_for_served_lines(None, "worker", "q1", served=15, since=0.0, label="t", timeout=10)
    assert list(runs["served"]) == [10, 5] and set(runs["queue"]) == {"q1"}


def test_drain_timelines_measure_from_the_mappings_creation():
    with lesson.FixedCapacityApi(capacity=1, service_time_s=0.0) as api:
        api._rows = [{"t_start": 0.5, "t_end": 0.6, "status": 503, "in_flight": 2, "caller": ""},
                     {"t_start": 0.7, "t_end": 0.8, "status": 200, "in_flight": 1, "caller": ""}]
        api.started = 100.0
        runs = pd.DataFrame({"started": [101.0, 101.5], "ended": [101.4, 101.7]})
        timelines = lesson.drain_timelines(runs, pd.DataFrame({"t": [0.0], "left": [0]}), api, started=100.5)
    assert timelines["mean_batch_s"] == pytest.approx(0.3)
    assert list(timelines["runs"]["t0"]) == [0.5, 1.0]
    assert list(timelines["errors"]) == [pytest.approx(0.0)]   # 0.5 s after reset = when the mapping was made


def test_drain_summary_has_one_rounded_row_per_drain():
    run = {"label": "a", "backlog": 10, "max_concurrency": None, "capacity": 4, "drain_s": 1.234,
           "invocations": 2, "peak_concurrency": 2, "downstream_peak": 2, "overload_errors": 0,
           "runs": "not shown"}
    table = lesson.drain_summary([run, {**run, "label": "b", "max_concurrency": 2}])
    assert list(table.columns) == lesson.SUMMARY_COLUMNS and table["drain_s"].tolist() == [1.2, 1.2]


class _Throttled(Exception):
    def __init__(self, reason):
        self.response = {"Reason": reason}


class _OneAttempt:
    class exceptions:
        TooManyRequestsException = _Throttled

    def __init__(self, throttle):
        self.throttle = throttle

    def invoke(self, FunctionName, Payload):
        if self.throttle:
            raise _Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        return {"StatusCode": 200}


def test_invoke_once_answers_ok_or_429_with_the_reason():
    assert lesson.invoke_once(_OneAttempt(False), "f") == "ok"
    assert lesson.invoke_once(_OneAttempt(True), "f", {"x": 1}) == \
        "429 ReservedFunctionConcurrentInvocationLimitExceeded"


def test_kind_of_call_reads_the_event():
    assert lesson.kind_of_call({"Records": [{}]}) == "queue"
    assert lesson.kind_of_call({"async": 1}) == "async"
    assert lesson.kind_of_call({"sync": 0, "sleep_s": 1.5}) == "sync"


def test_wait_for_each_kind_waits_for_every_async_and_queued_event(monkeypatch):
    sync = {"event": {"sync": 0}}
    first = [sync, {"event": {"async": 0}}, {"event": {"Records": []}}]
    later = first + [{"event": {"async": 1}}, {"event": {"Records": []}}]
    reads = [first, later]
    monkeypatch.setattr(lesson, "read_json_lines",
                        lambda logs, function, since, kind: pd.DataFrame(reads.pop(0) if len(reads) > 1 else reads[0]))
    lines = lesson.wait_for_each_kind(None, "f", since=0.0, each_way=2, timeout=10)
    assert lines["kind_of_call"].tolist() == ["sync", "async", "queue", "async", "queue"]
