"""labkit.isolation.prctl sets the flags it names (read back with PR_GET_*, in a child process
so that this test process keeps its own); where prctl is missing (macOS, Windows) it says so.
The test suites run on Linux (README), where prctl must be found: no skip."""
from __future__ import annotations

import subprocess
import sys

import pytest

from labkit.isolation import prctl


READ_BACK = """
import ctypes, signal
from labkit.isolation import prctl
libc = ctypes.CDLL(None, use_errno=True)
signum = ctypes.c_int(0)
prctl.die_with_parent()
libc.prctl(2, ctypes.byref(signum), 0, 0, 0)          # PR_GET_PDEATHSIG
before = libc.prctl(3, 0, 0, 0, 0)                     # PR_GET_DUMPABLE
prctl.make_non_dumpable()
print(signum.value == signal.SIGKILL, before, libc.prctl(3, 0, 0, 0, 0))
"""


def test_the_flags_are_set():
    assert prctl.AVAILABLE, "prctl not found: the suites run on Linux, where libc has it"
    out = subprocess.run([sys.executable, "-c", READ_BACK], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "1", "0"]


def test_without_prctl_the_calls_raise(monkeypatch):
    """The macOS/Windows case: the portable paths never call these (platform_support)."""
    monkeypatch.setattr(prctl, "_libc_prctl", None)
    with pytest.raises(OSError):
        prctl.make_non_dumpable()
