"""Lambda authorizer results cached by their identity sources, for the authorizer's TTL.

API Gateway Developer Guide, "Use API Gateway Lambda authorizers": with caching on
(authorizerResultTtlInSeconds > 0, REST default 300) the policy is cached under the token
(TOKEN) or the values of all identity sources (REQUEST), and the authorizer is not called
again for them until the TTL passes. HTTP APIs: "Control access to HTTP APIs with AWS Lambda
authorizers" (TTL 0-3600 keyed by the identity sources).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable


class AuthorizerCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._entries: dict[tuple, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > self.clock():
                self.hits += 1
                return found[1]
            self._entries.pop(key, None)
            self.misses += 1
            return None

    def put(self, key: tuple, ttl_s: float, value: Any) -> None:
        if ttl_s <= 0:
            return    # TTL 0: caching is off
        with self._lock:
            self._entries[key] = (self.clock() + ttl_s, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0
