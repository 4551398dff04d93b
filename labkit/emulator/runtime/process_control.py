"""Facts about a worker process, and signals to it, on every operating system.

Linux: /proc (CPU time in ns from schedstat, VmRSS/VmHWM from status) and signals to the
worker's whole process group, so a handler's own children stop with it. Elsewhere, and in
LABKIT_PORTABLE mode: psutil (CPU time from cpu_times(), resident memory from
memory_info(), kill/suspend/resume of the worker and its descendants).
"""
from __future__ import annotations

import os
import signal

import psutil

from labkit.platform_support import has_proc, has_process_groups


def cpu_time_s(pid: int) -> float | None:
    """CPU time used by all threads of ``pid`` in seconds, None if it is gone."""
    if not has_proc():
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None
        return times.user + times.system
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        return None
    return total / 1e9


def memory_mb(pid: int, peak: bool) -> int:
    """Resident memory of ``pid`` in MB, rounded up (``peak``: the high-water mark where the
    OS keeps one, /proc VmHWM or Windows' peak working set; else the current size). 0 if gone."""
    if not has_proc():
        try:
            info = psutil.Process(pid).memory_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return 0
        size = (getattr(info, "peak_wset", 0) if peak else 0) or info.rss
        return -(-size // (1024 * 1024))
    field_name = "VmHWM:" if peak else "VmRSS:"
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name):
                    return -(-int(line.split()[1]) // 1024)
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def kill_tree(pid: int) -> None:
    """SIGKILL (TerminateProcess on Windows) the worker and everything it started."""
    if has_process_groups():
        for sig in (signal.SIGKILL, signal.SIGCONT):  # SIGCONT: a paused worker dies at once
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        return
    for proc in _tree(pid):
        try:
            proc.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


def pause(pid: int) -> None:
    """Stop the worker from running (SIGSTOP; NtSuspendProcess on Windows)."""
    _pause_or_resume(pid, "SIGSTOP", psutil.Process.suspend)


def resume(pid: int) -> None:
    _pause_or_resume(pid, "SIGCONT", psutil.Process.resume)


def _pause_or_resume(pid: int, signal_name: str, method) -> None:
    if has_process_groups():
        try:
            os.killpg(pid, getattr(signal, signal_name))
        except (ProcessLookupError, PermissionError):
            pass
        return
    for proc in _tree(pid):
        try:
            method(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
