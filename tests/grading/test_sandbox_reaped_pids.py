"""The sandbox never signals a pid that is no longer its environment's.

Once a process is reaped, its pid, which for an environment is also its process group's id, is
free: Linux hands pids out again once the counter wraps (kernel.pid_max, 32768 on these
machines, wraps every ten minutes or so in `make test`). A killpg after that kills whoever got
the number. The zygote used to reap environments as they exited (SIGCHLD ignored) while the
checker killed every environment again when a function closed: in CI, that killed a learner's
Jupyter server and kernels in the hub suite.

Now an environment is reaped only when its starter kills it, once. The first test stages the
reuse exactly: after an environment was killed at its timeout (and reaped), a bystander process
(its own session, like a Jupyter server or a kernel) is started with the environment's old pid,
chosen through /proc/sys/kernel/ns_last_pid (root); closing the function must spare it. The
second stages it for an environment that exited by itself: reaped as its crash is reported,
never signalled after."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from labkit.checks.sandbox import Function, Zygote
from labkit.checks.spawner import Spawner

NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"


@pytest.fixture(params=["zygote", "spawner"])
def starter(request):
    with (Zygote() if request.param == "zygote" else Spawner()) as starter:
        yield starter


def _handler(tmp_path, body: str) -> str:
    path = tmp_path / "fn.py"
    path.write_text(textwrap.dedent(body))
    os.chmod(tmp_path, 0o755)
    return str(path)


def _gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}"):
        assert time.monotonic() < deadline, f"environment {pid} still exists"
        time.sleep(0.01)


def _bystander_with_pid(pid: int, attempts: int = 200) -> subprocess.Popen:
    """A process of its own session whose pid (and group id) is ``pid``. Other processes fork
    too (the suite runs in parallel), so the one after ns_last_pid may go to them: try again."""
    assert os.access(NS_LAST_PID, os.W_OK), (
        f"choosing a pid needs {NS_LAST_PID} writable (root, as `make test` runs in CI)")
    for _ in range(attempts):
        with open(NS_LAST_PID, "w") as f:
            f.write(str(pid - 1))
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                                start_new_session=True)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    raise AssertionError(f"could not start a process with pid {pid} in {attempts} attempts")


def _assert_close_spares(fn: Function, pid: int) -> None:
    bystander = _bystander_with_pid(pid)
    try:
        fn.close()
        time.sleep(0.2)   # a SIGKILL is delivered at once; this only lets the wait below see it
        assert bystander.poll() is None, "closing the function killed a process that got its pid"
    finally:
        bystander.kill()
        bystander.wait()


def test_an_environment_killed_at_its_timeout_is_not_killed_again(tmp_path, starter):
    path = _handler(tmp_path, """
        import os, time
        def handler(event, context):
            print("pid", os.getpid(), flush=True)
            time.sleep(30)
    """)
    fn = Function(path, timeout_s=1.0, zygote=starter)
    try:
        assert fn.invoke({}).status == "timeout"
        pid = int(fn.log_tail().split("pid ")[-1].split()[0])
        _gone(pid)
        _assert_close_spares(fn, pid)
    finally:
        fn.close()


def test_an_environment_that_exited_is_reaped_once_and_never_signalled_again(tmp_path, starter):
    """A handler that ends its own process: the function reaps it as it reports the crash (the
    exit status is the error's wording), and closing the function later spares whatever process
    has its pid by then."""
    path = _handler(tmp_path, """
        import os
        def handler(event, context):
            print("pid", os.getpid(), flush=True)
            os._exit(3)
    """)
    fn = Function(path, zygote=starter)
    try:
        result = fn.invoke({})
        assert result.status == "crashed" and result.error["errorMessage"].endswith("exit status 3")
        pid = int(fn.log_tail().split("pid ")[-1].split()[0])
        _gone(pid)
        _assert_close_spares(fn, pid)
    finally:
        fn.close()
