"""A component that does one thing every `interval` seconds on its own thread.

The alarm evaluator, the DynamoDB TTL sweeper and the SQS metrics publisher all work this
way; subclasses give `name` and `tick()`. A failing tick is logged and the next one runs:
one bad table, alarm or queue must never stop the component.
"""
from __future__ import annotations

import sys
import threading
from abc import ABC, abstractmethod


class PeriodicComponent(ABC):
    name = "periodic"

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def tick(self) -> None:
        """One round of the component's work."""

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:
                print(f"labkit {self.name}: {exc!r}", file=sys.stderr, flush=True)
