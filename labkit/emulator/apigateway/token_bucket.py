"""Request throttling as API Gateway does it: a token bucket per stage (or route/method).

API Gateway Developer Guide, "Throttle requests to your REST APIs for better throughput in
API Gateway" and "Throttling requests to your HTTP API": the bucket holds up to `burst`
tokens and refills at `rate` tokens per second; a request takes one token, and with none
left the client gets 429 Too Many Requests.
"""
from __future__ import annotations

import threading
import time
from typing import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = float(rate), int(burst), clock
        self.tokens = float(burst)          # a fresh bucket is full
        self.updated = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take one token; False when the bucket is empty (the request is throttled)."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Buckets:
    """One bucket per key; a bucket whose limits changed starts afresh."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._buckets: dict[tuple, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple, rate: float, burst: int) -> bool:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (float(rate), int(burst)):
                bucket = self._buckets[key] = TokenBucket(rate, burst, self.clock)
        return bucket.take()

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


def rest_limits(stage, resource_path: str, http_method: str) -> tuple[float, int] | None:
    """(rate, burst) from a REST stage's method settings: the method's own
    ("/items/{id}/GET", stored by moto as "~1items~1{id}/GET") or the stage-wide "*/*"."""
    settings = getattr(stage, "method_settings", None) or {}
    escaped = resource_path.lstrip("/").replace("/", "~1")
    for key in (f"{escaped}/{http_method}", f"~1{escaped}/{http_method}", "*/*"):
        found = settings.get(key)
        if found and ("throttlingRateLimit" in found or "throttlingBurstLimit" in found):
            return (float(found.get("throttlingRateLimit", 10000.0)),
                    int(found.get("throttlingBurstLimit", 5000)))
    return None


def http_limits(stage, route_key: str) -> tuple[float, int] | None:
    """(rate, burst) from an HTTP API stage: RouteSettings[route_key], else
    DefaultRouteSettings (moto keeps the request's camelCase keys)."""
    for settings in ((getattr(stage, "route_settings", None) or {}).get(route_key),
                     getattr(stage, "default_route_settings", None)):
        if settings and ("throttlingRateLimit" in settings or "throttlingBurstLimit" in settings):
            return (float(settings.get("throttlingRateLimit", 10000.0)),
                    int(settings.get("throttlingBurstLimit", 5000)))
    return None
