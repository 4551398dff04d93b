"""A component that does the jobs submitted to it on worker threads of its own, never inside the
request that submits them: alarm notifications (cloudwatch_alarms), EventBridge deliveries
(events_targets). Like periodic.PeriodicComponent, subclasses give ``name`` and the work,
``do(*job)``; a failing job is theirs to report.
"""
from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod


class BackgroundJobs(ABC):
    name = "background-jobs"

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._queue: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []

    @abstractmethod
    def do(self, *job) -> None:
        """One job, as it was submitted."""

    def submit(self, *job) -> None:
        self._queue.put(job)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def drop_pending(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def start(self) -> None:
        for i in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"{self.name}-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)   # one "no more jobs" for each worker
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            self.do(*job)
