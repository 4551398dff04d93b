"""labkit.emulator.background_jobs: submitted jobs are done on the component's own threads, not
the submitter's; pending jobs can be dropped; stop ends every worker."""
from __future__ import annotations

import threading

from labkit.emulator.background_jobs import BackgroundJobs
from labkit.lessons.polling import wait_until


class Recorder(BackgroundJobs):
    name = "recorder"

    def __init__(self, workers: int = 1):
        super().__init__(workers)
        self.done: list[tuple[str, str]] = []
        self.gate = threading.Event()

    def do(self, label: str) -> None:
        self.gate.wait(10)
        self.done.append((label, threading.current_thread().name))


def test_jobs_are_done_in_order_on_the_components_own_thread():
    jobs = Recorder()
    jobs.start()
    try:
        jobs.submit("a")
        jobs.submit("b")
        jobs.gate.set()
        wait_until(lambda: len(jobs.done) == 2, timeout=10, interval=0.02)
        assert jobs.done == [("a", "recorder-0"), ("b", "recorder-0")]
        assert jobs.pending == 0
    finally:
        jobs.stop()


def test_pending_jobs_can_be_dropped_and_stop_ends_every_worker():
    jobs = Recorder(workers=2)
    jobs.start()
    threads = list(jobs._threads)
    jobs.submit("held-0")
    jobs.submit("held-1")   # each worker now waits on the gate
    wait_until(lambda: jobs.pending == 0, timeout=10, interval=0.02)
    for label in ("x", "y", "z"):
        jobs.submit(label)
    assert jobs.pending == 3
    jobs.drop_pending()
    assert jobs.pending == 0
    jobs.gate.set()
    jobs.stop()
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(label for label, _ in jobs.done) == ["held-0", "held-1"]
