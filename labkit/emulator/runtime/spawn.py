"""Start worker processes so that they die with the server, even a SIGKILLed one.

An idle worker notices a dead server by itself (its Runtime API connection or its stdin
closes), but one busy in a long handler call, or paused by the CPU-share monitor, would
run on forever. Linux ends that with PR_SET_PDEATHSIG: the kernel sends the child SIGKILL
when its parent dies. The catch: "parent" means the *thread* that forked it, and workers
are started from short-lived request and refill threads. So every worker is forked by one
long-lived spawner thread, which ends only with the server process itself.

Without prctl (macOS, Windows, LABKIT_PORTABLE=1) workers run the portable runtime client,
which watches its Runtime API connection and exits when the server's end closes
(portable_client.py), so they die with the server too.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading

from labkit.isolation import prctl
from labkit.platform_support import has_prctl

_jobs: queue.Queue = queue.Queue()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def _die_with(parent_pid: int):
    def preexec() -> None:
        prctl.die_with_parent()
        if os.getppid() != parent_pid:      # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)
    return preexec


def _serve() -> None:
    while True:
        args, kwargs, done, box = _jobs.get()
        try:
            box.append(subprocess.Popen(args, **kwargs))
        except BaseException as exc:  # handed back to the caller's thread
            box.append(exc)
        done.set()


def popen(args: list[str], **kwargs) -> subprocess.Popen:
    """subprocess.Popen(args, **kwargs), forked by the spawner thread with PDEATHSIG set
    where prctl exists (else a plain Popen)."""
    global _thread
    if not prctl.AVAILABLE or not has_prctl():  # workers still exit when their API closes
        return subprocess.Popen(args, **kwargs)
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="lambda-worker-spawner", daemon=True)
            _thread.start()
    kwargs["preexec_fn"] = _die_with(os.getpid())
    done, box = threading.Event(), []
    _jobs.put((args, kwargs, done, box))
    done.wait()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]
