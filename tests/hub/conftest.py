"""A class of five learners on a real JupyterHub (hub_process.py), shared by the hub tests.

Set up once: the hub starts; five accounts are created and their servers started at once
through the REST API; in each, a kernel opens in notebooks/ and runs lesson 00's first cell
(labkit.backends.connect()); then, with the class idle, memory and CPU per learner are
measured. At the end the hub is stopped and nothing it started may outlive it.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from tests.hub import failure_report
from tests.hub.hub_api import HubAPI, LearnerServer
from tests.hub.hub_process import Hub
from tests.hub.memory import tree, tree_memory
from tests.hub.notebook_cells import code_cells

LEARNERS = [f"learner{i}" for i in range(1, 6)]
START_TIMEOUT = 300.0   # five servers at once on a shared 2-core machine
IDLE_WINDOW_S = 10.0


@dataclass
class Learner:
    name: str
    server: LearnerServer
    home: Path
    kernel: str            # a kernel in notebooks/ that ran lesson 00's first cell
    server_pid: int
    endpoint: str
    key: str
    idle: dict = field(default_factory=dict)    # memory right after start, nothing running

    @property
    def backend_pid(self) -> int:
        return next(p.pid for p in tree(self.server_pid)
                    if "labkit.emulator.server" in " ".join(p.cmdline()))


_running: dict = {}   # the hub and the class, once up: for the report of a failed test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.failed and "hub" in _running:
        report.sections.append(("hub and learners at the failure",
                                failure_report.describe(_running["hub"], _running.get("classroom"))))


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    hub = Hub(tmp_path_factory.mktemp("hub")).start()
    _running["hub"] = hub
    try:
        yield hub
    finally:
        leftovers = hub.stop()
        assert not leftovers, f"outlived the hub: {leftovers}\n{hub.log_tail()}"


@pytest.fixture(scope="session")
def api(hub) -> HubAPI:
    return HubAPI(hub.url, hub.token)


@pytest.fixture(scope="session")
def classroom(hub, api) -> dict[str, Learner]:
    started = time.monotonic()
    api.create_users(LEARNERS)
    for name in LEARNERS:
        api.start_server(name)
    try:
        for name in LEARNERS:
            api.wait(name, ready=True, timeout=START_TIMEOUT - (time.monotonic() - started))
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n{hub.log_tail()}")
    try:
        with ThreadPoolExecutor(len(LEARNERS)) as pool:
            learners = list(pool.map(lambda name: _open_lesson_00(hub, api, name), LEARNERS))
    except Exception as exc:   # the hub's log (with the learners' servers') says why
        pytest.fail(f"{type(exc).__name__}: {exc}\n{hub.log_tail()}")
    print(f"\nclass of {len(LEARNERS)} up in {time.monotonic() - started:.0f}s")
    _measure_idle(learners)
    _running["classroom"] = {learner.name: learner for learner in learners}
    return _running["classroom"]


def _open_lesson_00(hub: Hub, api: HubAPI, name: str) -> Learner:
    """A learner opens lesson 00 (from the copy in their home) and runs its first cell."""
    server = api.learner(name)
    home = hub.homes / name
    kernel = server.start_kernel(path="notebooks")
    first_cell = code_cells(home / "notebooks" / "00_start_here.ipynb")[0]
    assert "labkit.backends.connect(" in first_cell
    server.run(kernel, first_cell)
    probe = server.run(kernel, "import os\n"
                               "print(os.getppid(), os.environ['AWS_ENDPOINT_URL'], "
                               "os.environ['AWS_ACCESS_KEY_ID'], os.getcwd())")
    server_pid, endpoint, key, cwd = probe.split()
    assert Path(cwd) == home / "notebooks"
    assert "jupyterhub-singleuser" in " ".join(psutil.Process(int(server_pid)).cmdline())
    return Learner(name, server, home, kernel, int(server_pid), endpoint, key)


def _measure_idle(learners: list[Learner]) -> None:
    """Memory (RSS, PSS) of each idle learner, and the CPU their trees burn while idle."""
    time.sleep(3.0)   # let start-up work (the backend's warm-up thread) finish
    cpu_before = {l.name: _cpu_seconds(l.server_pid) for l in learners}
    time.sleep(IDLE_WINDOW_S)
    for learner in learners:
        learner.idle = tree_memory(learner.server_pid)
        used = _cpu_seconds(learner.server_pid) - cpu_before[learner.name]
        learner.idle["cpu_percent_of_one_core"] = round(100 * used / IDLE_WINDOW_S, 2)


def _cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total

