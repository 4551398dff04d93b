"""The capstone's warehouse: an HTTP service that reserves stock for an order, with a fixed
number of connection slots (like lesson 09's downstream) and items that are sold out.

    POST /reserve  {"order_id": "...", "sku": "..."}
      200 reserved | 409 sold out (permanent: asking again will not help)
      503 overloaded: every slot was busy (the request was refused, nothing reserved)

It counts what a grader needs: the peak of requests in flight, the refusals for overload, and
the reservations per order.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer

from labkit.isolation import local_http

SOLD_OUT_PREFIX = "sold-out"   # a sku that starts with this is out of stock


class Warehouse:
    def __init__(self, capacity: int, service_time_s: float = 0.1):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity, self.service_time_s = int(capacity), float(service_time_s)
        self._lock = threading.Lock()
        self._in_flight = self.peak_in_flight = self.overloaded = 0
        self.reservations: Counter = Counter()
        self.refused_sold_out: Counter = Counter()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "Warehouse":
        owner = self

        class Handler(local_http.StandInHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.answer_json(*owner._reserve(self.json_body()))

        self._server = local_http.serve_in_background(Handler, "warehouse")   # 503s from the handler
        return self

    def stop(self) -> None:
        local_http.stop(self._server)
        self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the warehouse is not running: call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/reserve"

    def stats(self) -> dict:
        with self._lock:
            return {"capacity": self.capacity, "peak_in_flight": self.peak_in_flight,
                    "overloaded": self.overloaded, "reservations": dict(self.reservations),
                    "sold_out_answers": dict(self.refused_sold_out)}

    def _reserve(self, request: dict) -> tuple[int, dict]:
        order_id, sku = str(request.get("order_id", "")), str(request.get("sku", ""))
        with self._lock:
            self._in_flight += 1
            admitted = self._in_flight <= self.capacity
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            if not admitted:
                self.overloaded += 1
        try:
            if not admitted:
                return 503, {"error": "overloaded: every connection slot is busy"}
            time.sleep(self.service_time_s)   # holding a slot: I/O wait, no CPU
            with self._lock:
                if sku.startswith(SOLD_OUT_PREFIX):
                    self.refused_sold_out[order_id] += 1
                    return 409, {"error": f"{sku} is sold out"}
                self.reservations[order_id] += 1
            return 200, {"order_id": order_id, "reserved": sku}
        finally:
            with self._lock:
                self._in_flight -= 1
