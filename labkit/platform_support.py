"""What this operating system offers labkit's Lambda runtime, and a switch to pretend it
offers less.

The runtime has a fast path on Linux (read /proc, prctl(PR_SET_PDEATHSIG), signal whole
process groups) and a portable path for macOS and Windows (psutil, a worker that watches
its own server, the pure-Python runtime client). ``LABKIT_PORTABLE=1`` makes Linux take
the portable path everywhere: that is how those paths are tested on machines that are all
Linux.
"""
from __future__ import annotations

import os
import sys
from typing import Mapping

PORTABLE_ENV = "LABKIT_PORTABLE"


def portable_mode(env: Mapping[str, str] | None = None) -> bool:
    """True when LABKIT_PORTABLE asks for the non-Linux paths (any value but "", "0")."""
    value = (os.environ if env is None else env).get(PORTABLE_ENV, "").strip()
    return value not in ("", "0")


def has_proc() -> bool:
    """/proc/<pid>/status and /proc/<pid>/task/*/schedstat can be read (Linux)."""
    return sys.platform.startswith("linux") and not portable_mode()


def has_prctl() -> bool:
    """prctl(PR_SET_PDEATHSIG) may be used: the kernel kills a worker whose server died."""
    return sys.platform.startswith("linux") and not portable_mode()


def has_process_groups() -> bool:
    """os.killpg with SIGKILL/SIGSTOP/SIGCONT reaches a worker and everything it started."""
    return hasattr(os, "killpg") and not portable_mode()


def has_safe_fork() -> bool:
    """A warm process may fork execution environments. Only on Linux: Windows has no fork,
    and on macOS forking a process whose system libraries started threads can crash the child
    (CPython's multiprocessing docs, "Contexts and start methods")."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and not portable_mode()
