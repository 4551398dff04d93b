"""labkit.isolation.prctl sets the flags it names (read back with PR_GET_*, in a child process
so that this test process keeps its own)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from labkit.isolation import prctl

pytestmark = pytest.mark.skipif(not prctl.AVAILABLE, reason="prctl is Linux-only")

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
    out = subprocess.run([sys.executable, "-c", READ_BACK], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "1", "0"]
