"""Steady traffic on a Lambda alias, recording which version served each request: what lesson
12 plots and lab 12's canary checks judge.

    with AliasTraffic(lam, "checkout", "live", per_second=20) as traffic: ...
    traffic.frame()          # one row per request: TRAFFIC_COLUMNS

Invoke reports the version that ran in ExecutedVersion (Lambda API Reference, "Invoke"); an
alias with a routing configuration sends "a portion of traffic to a second function version"
(Lambda Developer Guide, "Create a routing configuration for an alias").
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

import pandas as pd

TRAFFIC_COLUMNS = ["t", "wall", "order", "version", "ok", "latency_ms", "error"]


class AliasTraffic:
    """Synchronous invokes of ``function:qualifier`` from ``clients`` threads, about
    ``per_second`` in all, from start() (or the ``with`` block) until stop(). One row per
    request: ``t`` (seconds after the start, when it was sent), ``wall`` (epoch seconds, then),
    the order id, the version that ran, whether it succeeded, its latency, and the error."""

    def __init__(self, lam, function: str, qualifier: str, per_second: float = 20.0,
                 clients: int = 4, run: str = "r"):
        self.lam, self.function, self.qualifier = lam, function, qualifier
        self.interval = clients / per_second
        self.clients, self.run = clients, run
        self.rows: list[dict[str, Any]] = []
        self._numbers = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = time.monotonic()

    def now(self) -> float:
        """Seconds since the traffic started: the clock of the rows."""
        return time.monotonic() - self.started

    def served(self) -> int:
        return len(self.rows)

    def sent_after(self, t: float) -> list[dict[str, Any]]:
        return [r for r in list(self.rows) if r["t"] >= t]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=TRAFFIC_COLUMNS).sort_values(
            "t", ignore_index=True)

    def start(self) -> "AliasTraffic":
        self.started = time.monotonic()
        self._threads = [threading.Thread(target=self._client, daemon=True)
                         for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def __enter__(self) -> "AliasTraffic":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _client(self) -> None:
        while not self._stop.is_set():
            began, wall = time.monotonic(), time.time()
            order = f"{self.run}-{next(self._numbers):05d}"
            version, ok, error = None, False, ""
            try:
                answer = self.lam.invoke(FunctionName=self.function, Qualifier=self.qualifier,
                                         Payload=json.dumps({"order": order}).encode())
                body = answer["Payload"].read().decode()
                version, ok = answer.get("ExecutedVersion"), "FunctionError" not in answer
                error = "" if ok else body[:200]
            except Exception as exc:   # noqa: BLE001 - a throttle or a vanished alias: recorded
                error = f"{type(exc).__name__}: {exc}"[:200]
            ended = time.monotonic()
            self.rows.append({"t": began - self.started, "wall": wall, "order": order,
                              "version": version, "ok": ok, "latency_ms": (ended - began) * 1000,
                              "error": error})
            self._stop.wait(max(0.0, self.interval - (ended - began)))   # pacing only
