"""A backend started by ServerProcess stops when its parent is killed with -9: grading
kills runs, and a dead grader must not leave backends (and their workers) behind."""
import subprocess
import sys
import time

import psutil

from tests.runtime.conftest import process_gone

PARENT = """
import sys, time
from labkit.emulator.server import ServerProcess
s = ServerProcess().start()
print(s.proc.pid, flush=True)
time.sleep(600)
"""


def test_backend_stops_when_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    server_pid = int(parent.stdout.readline())
    assert psutil.pid_exists(server_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process_gone(server_pid):
            return
        time.sleep(0.2)
    psutil.Process(server_pid).kill()
    raise AssertionError("the backend outlived its parent by 60 s")
