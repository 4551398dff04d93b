"""The lesson-09 downstream: a fixed number of connection slots, overload counted (HTTP 503)."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request

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
