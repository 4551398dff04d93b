"""The runtime's non-Linux paths, proven on Linux through LABKIT_PORTABLE=1.

The runtime suite runs twice (tests/run_suites.py): as ``runtime`` and as
``runtime-portable`` with LABKIT_PORTABLE=1, where workers must run the portable client
and never import awslambdaric (it does not install on macOS or Windows), and where
process facts and signals go through psutil instead of /proc and process groups.
"""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import psutil
import pytest

from labkit import platform_support
from labkit.emulator.runtime import client_choice, process_control
from tests.runtime.conftest import invoke, process_gone, wait_for

WHO_RUNS_ME = """
import sys
def handler(event, context):
    main = getattr(sys.modules["__main__"].__spec__, "name", "")
    return {"awslambdaric": sorted(m for m in sys.modules
                                   if m.split(".")[0] in ("awslambdaric", "runtime_client")),
            "portable": "labkit.emulator.runtime.portable_client" in sys.modules
                        or main == "labkit.emulator.runtime.portable_client"}
"""


@pytest.mark.parametrize("path", ["pre-started interpreter", "fresh process"])
def test_workers_run_the_client_this_mode_calls_for(server, lam, deploy, path):
    """LABKIT_PORTABLE=1: the portable client, and no awslambdaric module in the worker
    (on macOS it would not import). Otherwise: awslambdaric, as on Linux it imports."""
    expected = client_choice.choose().name
    health = json.loads(urllib.request.urlopen(server.url + "/_labkit/health").read())
    reported = health["components"]["lambda-runtime"]["runtime_client"]
    assert reported["name"] == expected and reported["reason"]
    config = {} if path == "pre-started interpreter" else {   # PYTHON*: no spare can take it
        "Environment": {"Variables": {"PYTHONHASHSEED": "0"}}}
    _, error, seen, _ = invoke(lam, deploy(WHO_RUNS_ME, **config))
    assert error is None, seen
    if expected == "portable":
        assert seen == {"awslambdaric": [], "portable": True}
    else:
        assert seen["awslambdaric"] and seen["portable"] is False


def test_portable_mode_switches_off_the_linux_paths(monkeypatch):
    monkeypatch.setenv("LABKIT_PORTABLE", "1")
    assert platform_support.portable_mode()
    assert not (platform_support.has_proc() or platform_support.has_prctl()
                or platform_support.has_process_groups())
    monkeypatch.setenv("LABKIT_PORTABLE", "0")
    assert not platform_support.portable_mode()
    assert platform_support.has_proc() and platform_support.has_prctl()   # this is Linux
    assert platform_support.has_process_groups()


def test_choice_of_client(monkeypatch):
    choose = client_choice.choose
    monkeypatch.setattr(client_choice, "awslambdaric_problem", lambda: None)
    assert choose({}).name == "awslambdaric" and "imports here" in choose({}).reason
    assert choose({"LABKIT_RUNTIME_CLIENT": "portable"}).name == "portable"
    forced = choose({"LABKIT_PORTABLE": "1", "LABKIT_RUNTIME_CLIENT": "awslambdaric"})
    assert forced.name == "portable" and "LABKIT_PORTABLE=1" in forced.reason
    monkeypatch.setattr(client_choice, "awslambdaric_problem", lambda: "ModuleNotFoundError: x")
    fallback = choose({})
    assert fallback.name == "portable" and "ModuleNotFoundError: x" in fallback.reason
    broken = choose({"LABKIT_RUNTIME_CLIENT": "awslambdaric"})
    assert broken.name == "awslambdaric" and "does not import" in broken.reason
    assert fallback.command("app.handler")[1:] == [
        "-m", "labkit.emulator.runtime.portable_client", "app.handler"]


HOG = """
import subprocess, sys, time
keep = bytearray(60 * 1024 * 1024)
keep[::4096] = b"x" * len(keep[::4096])        # touch every page: resident
start = time.process_time()
while time.process_time() - start < 0.3:
    pass
sleeper = subprocess.Popen(["sleep", "300"])  # a child of its own: kill_tree must reach it
print("ready", flush=True)
time.sleep(300)
"""


def _child_tree():
    proc = subprocess.Popen([sys.executable, "-c", HOG], stdout=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdout.readline() == b"ready\n"
    return proc


def _both(monkeypatch, fn):
    """fn() on the /proc path, then on the psutil path."""
    monkeypatch.setenv("LABKIT_PORTABLE", "0")
    linux = fn()
    monkeypatch.setenv("LABKIT_PORTABLE", "1")
    return linux, fn()


def test_process_facts_agree_on_both_paths(monkeypatch):
    """psutil (macOS/Windows) and /proc (Linux) report the same CPU time and memory."""
    proc = _child_tree()
    try:
        linux, portable = _both(monkeypatch, lambda: process_control.cpu_time_s(proc.pid))
        assert linux >= 0.3 and abs(linux - portable) < 0.05, (linux, portable)
        linux, portable = _both(monkeypatch, lambda: process_control.memory_mb(proc.pid, peak=False))
        assert linux >= 60 and abs(linux - portable) <= 2, (linux, portable)
        assert _both(monkeypatch, lambda: process_control.memory_mb(2 ** 22 + 7, peak=True)) == (0, 0)
        assert _both(monkeypatch, lambda: process_control.cpu_time_s(2 ** 22 + 7)) == (None, None)
    finally:
        process_control.kill_tree(proc.pid)
        proc.wait(10)


@pytest.mark.parametrize("portable", ["0", "1"])
def test_pause_resume_and_kill_reach_the_whole_tree(monkeypatch, portable):
    monkeypatch.setenv("LABKIT_PORTABLE", portable)
    proc = _child_tree()
    tree = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert len(tree) >= 2, tree

    def statuses():
        return {psutil.Process(pid).status() for pid in tree}

    try:
        process_control.pause(proc.pid)
        wait_for(lambda: statuses() == {psutil.STATUS_STOPPED}, timeout=10, what="all paused")
        process_control.resume(proc.pid)
        wait_for(lambda: psutil.STATUS_STOPPED not in statuses(), timeout=10, what="all resumed")
        process_control.kill_tree(proc.pid)
        assert proc.wait(10) == -9
        wait_for(lambda: all(process_gone(pid) for pid in tree), timeout=10,
                 what="the whole tree to die")
    finally:
        for pid in tree:
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(10)
