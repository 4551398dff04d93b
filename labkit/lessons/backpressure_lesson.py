"""Lesson 09 (concurrency and backpressure): a small downstream API with a fixed number of
connection slots (concurrency from start/end times is in labkit.lessons.concurrency).

The downstream stands in for the "downstream API" of seed 004 that a draining backlog took
down. It runs in the notebook's own process on a free port; the lesson's Lambda function
calls it over HTTP. Every request holds one slot for ``service_time_s`` (the handler waits on
I/O, it does not burn CPU). A request that arrives while all ``capacity`` slots are taken is
refused at once with HTTP 503 and counted as an overload error.

    with FixedCapacityApi(capacity=4, service_time_s=0.05) as api:
        ...                          # functions call api.url + "/work?id=..."
        api.stats()                  # {"served": n, "overloaded": n, "peak_in_flight": n, ...}
        api.requests()               # one row per request: t_start, t_end, status, in_flight

Functions on the embedded backend run on this machine, so 127.0.0.1 reaches the service. On
LocalStack the functions run in containers: pass ``advertised_host`` (e.g. the notebook
container's name in the compose network) and ``bind_host="0.0.0.0"``.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd

from labkit.isolation import local_http

REQUEST_COLUMNS = ["t_start", "t_end", "status", "in_flight", "caller"]


class FixedCapacityApi:
    """A fixed-capacity HTTP service that counts overload errors (see the module docstring)."""

    def __init__(self, capacity: int, service_time_s: float = 0.05, *, bind_host: str = "127.0.0.1",
                 advertised_host: str | None = None, port: int = 0):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity, self.service_time_s = int(capacity), float(service_time_s)
        self._bind = (bind_host, port)
        self._advertised_host = advertised_host or bind_host
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "FixedCapacityApi":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                status = owner._serve(self.headers.get("X-Caller", ""))
                body = b"ok" if status == 200 else b"overloaded: all connection slots busy"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller went away (a function that timed out): nothing to answer

            do_POST = do_GET

            def log_message(self, *args):  # keep the notebook quiet
                pass

        # Listen backlog 5: what this service always had (the 1024 it once set after listening
        # never took effect). With 1024, lab 09's solution once met 7 connections at once with a
        # peak of 3 executions on the portable path (make test run 22d), not yet explained: a
        # small backlog delays such a burst in the kernel instead of counting it. Open question.
        self._server = local_http.serve_in_background(Handler, "downstream", self._bind, backlog=5)
        return self

    def stop(self) -> None:
        local_http.stop(self._server)
        self._server = None

    def __enter__(self) -> "FixedCapacityApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the downstream is not running: call start() first")
        return f"http://{self._advertised_host}:{self._server.server_address[1]}"

    # -- measurements --------------------------------------------------------------------
    def reset(self, capacity: int | None = None) -> None:
        """Forget every request (and optionally change the capacity) between experiments."""
        with self._lock:
            if capacity is not None:
                self.capacity = int(capacity)
            self._in_flight = 0
            self._rows: list[dict] = []
            self._peak = 0
            self.started = time.time()

    def stats(self) -> dict:
        with self._lock:
            rows = list(self._rows)
            peak = self._peak
        served = sum(1 for r in rows if r["status"] == 200)
        return {"capacity": self.capacity, "requests": len(rows), "served": served,
                "overloaded": len(rows) - served, "peak_in_flight": peak}

    def requests(self) -> pd.DataFrame:
        """One row per finished request; times in seconds since the last reset()."""
        with self._lock:
            rows = list(self._rows)
        return pd.DataFrame(rows, columns=REQUEST_COLUMNS)

    def _serve(self, caller: str) -> int:
        with self._lock:
            started = time.time() - self.started
            self._in_flight += 1
            in_flight = self._in_flight
            admitted = in_flight <= self.capacity
            self._peak = max(self._peak, in_flight)
        if admitted:
            time.sleep(self.service_time_s)  # holding a connection slot: I/O wait, no CPU
        with self._lock:
            self._in_flight -= 1
            self._rows.append({"t_start": started, "t_end": time.time() - self.started,
                               "status": 200 if admitted else 503, "in_flight": in_flight,
                               "caller": caller})
        return 200 if admitted else 503

