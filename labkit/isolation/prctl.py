"""Linux process flags that keep a process in its lane, set through prctl(2).

  die_with_parent()     PR_SET_PDEATHSIG: the kernel sends SIGKILL when the parent dies
                        ("parent" is the *thread* that forked us), so no child outlives a
                        grader or server killed with -9;
  make_non_dumpable()   PR_SET_DUMPABLE=0: /proc/PID/environ and ptrace of this process
                        become root-only, so learner code running as us cannot read secrets.

prctl is resolved once, at import, so that a child between fork and exec (a preexec_fn)
only calls it and never loads a library. Elsewhere than Linux it is missing: AVAILABLE is
False and the functions raise OSError.
"""
from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4

try:
    _libc_prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError, TypeError):  # macOS, Windows: no prctl
    _libc_prctl = None

AVAILABLE = _libc_prctl is not None


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Get ``signum`` when the thread that started this process ends (kept across exec,
    cleared by setuid: call it after dropping privileges)."""
    _prctl(PR_SET_PDEATHSIG, signum)


def make_non_dumpable() -> None:
    """Make /proc/PID/environ and ptrace of this process root-only."""
    _prctl(PR_SET_DUMPABLE, 0)


def _prctl(option: int, value: int) -> None:
    if _libc_prctl is None:
        raise OSError("prctl is Linux-only")
    _libc_prctl(option, value, 0, 0, 0)
