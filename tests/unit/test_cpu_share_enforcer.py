"""The CPU-share enforcer (labkit/emulator/runtime/cpu_share.py), on a plain CPU-bound process.

AWS: "Lambda allocates CPU power in proportion to the amount of memory configured"; 1,769 MB
is one vCPU (Lambda Developer Guide, "Configure Lambda function memory"). The enforcer runs
in a process of its own so that the backend's interpreter lock cannot make it late.
"""
from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from labkit.emulator.runtime.cpu_share import Enforcer, cpu_share
from labkit.emulator.runtime.process_control import cpu_time_s

BUSY = "while True: pass"


@pytest.fixture
def busy_worker():
    # its own process group, as a Lambda worker has (the enforcer signals the group)
    proc = subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def enforcer():
    e = Enforcer()
    yield e
    e.stop()


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the deadline")
        time.sleep(0.02)


def _is_paused(pid: int) -> bool:
    return psutil.Process(pid).status() == psutil.STATUS_STOPPED


def test_share_follows_memory():
    assert cpu_share(128) == pytest.approx(128 / 1769)
    assert cpu_share(1769) == 1.0
    assert cpu_share(10240) == 1.0   # one process: more vCPUs would need more threads


def test_a_watched_worker_gets_its_share_and_is_paused_for_it(busy_worker, enforcer):
    pid = busy_worker.pid
    enforcer.watch(pid, 0.1, cpu_time_s(pid))
    cpu0, wall0 = cpu_time_s(pid), time.monotonic()
    _wait_for(lambda: time.monotonic() - wall0 > 1.5)
    used = cpu_time_s(pid) - cpu0
    assert used / (time.monotonic() - wall0) < 0.25, used
    _wait_for(lambda: enforcer.pauses > 0)


def test_release_resumes_a_paused_worker(busy_worker, enforcer):
    pid = busy_worker.pid
    enforcer.watch(pid, 0.05, cpu_time_s(pid))
    _wait_for(lambda: _is_paused(pid))
    enforcer.release(pid)
    _wait_for(lambda: not _is_paused(pid))
    cpu0 = cpu_time_s(pid)
    _wait_for(lambda: cpu_time_s(pid) - cpu0 > 0.3)   # runs freely again


def test_stopping_the_enforcer_resumes_what_it_paused(busy_worker, enforcer):
    pid = busy_worker.pid
    enforcer.watch(pid, 0.05, cpu_time_s(pid))
    _wait_for(lambda: _is_paused(pid))
    enforcer.stop()
    _wait_for(lambda: not _is_paused(pid))


def test_debt_from_before_the_watch_is_paid(busy_worker, enforcer):
    """The budget counts from delivery: CPU used before the enforcer heard of it is owed."""
    pid = busy_worker.pid
    cpu_at_delivery = cpu_time_s(pid)
    _wait_for(lambda: cpu_time_s(pid) - cpu_at_delivery > 0.2)   # ran free for 0.2 CPU-s
    enforcer.watch(pid, 0.1, cpu_at_delivery)
    _wait_for(lambda: _is_paused(pid))
    paused_at = time.monotonic()
    _wait_for(lambda: not _is_paused(pid))
    # 0.2 CPU-s owed at 0.01 CPU-s per 100 ms period: about 2 s paused
    assert time.monotonic() - paused_at > 1.0
