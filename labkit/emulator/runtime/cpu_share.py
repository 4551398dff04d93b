"""A function's CPU share, enforced from a process of its own.

AWS: "Lambda allocates CPU power in proportion to the amount of memory configured";
1,769 MB is one vCPU (Lambda Developer Guide, "Configure Lambda function memory"). On Lambda
the kernel enforces it (CFS bandwidth control, cpu.max quota/period). cgroups are not writable
on a laptop or in a JupyterHub pod, so we do what the kernel does from user space: each period
(100 ms) a worker running an invocation may use share x period of CPU time
(process_control.cpu_time_s); once used up it is paused (SIGSTOP) until the next period
(SIGCONT). Overshoot in one period is paid back in the next, so the long-run share is right
though the check runs every few ms. INIT runs unthrottled.

Why a process of its own: the backend's threads share one interpreter lock, and some of its
work holds that lock for hundreds of ms at a time (botocore decoding a service model, for
one). A watcher thread inside the backend then wakes too late, and a short CPU-bound handler
ran a whole invocation at full speed (measured: 0.30 CPU-s in 0.36 s at 128 MB, where the share
allows about 7 %). This process does nothing else, so it wakes on time whatever the backend
is doing.

The backend talks to it over its stdin, one line each: ``watch PID SHARE CPU0`` when an
invocation is delivered (CPU0: the worker's CPU seconds at delivery, the budget counts from
there) and ``release PID`` when it ends. It writes ``paused`` to stdout each time it pauses a
worker. It exits, resuming what it paused, when its stdin closes (the backend stopped or died).
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

from labkit.emulator.runtime.process_control import cpu_time_s, pause, resume

FULL_VCPU_MB = 1769
PERIOD_S = 0.1
TICK_S = 0.004


def cpu_share(memory_mb: int) -> float:
    return min(1.0, memory_mb / FULL_VCPU_MB)


class _Budget:
    __slots__ = ("quota", "period_start", "cpu_at_start", "allowance", "stopped")

    def __init__(self, share: float, now: float, cpu: float):
        self.quota = share * PERIOD_S
        self.period_start, self.cpu_at_start, self.allowance, self.stopped = now, cpu, self.quota, False


def enforce(commands: "queue.Queue[str | None]", on_pause) -> None:
    """Apply ``watch``/``release`` commands and throttle the watched workers until ``None``."""
    budgets: dict[int, _Budget] = {}
    while True:
        try:
            line = commands.get(timeout=TICK_S) if budgets else commands.get()
            while line is not None:
                _apply(line, budgets)
                line = commands.get_nowait()
        except queue.Empty:
            line = ""
        if line is None:
            break
        now = time.monotonic()
        for pid, budget in list(budgets.items()):
            cpu = cpu_time_s(pid)
            if cpu is None:  # the worker is gone
                del budgets[pid]
                continue
            if now - budget.period_start >= PERIOD_S:
                # a new period: overshoot of the last one (or unpaid debt) is paid back now
                overshoot = max(0.0, (cpu - budget.cpu_at_start) - budget.allowance)
                budget.allowance = budget.quota - overshoot
                budget.period_start, budget.cpu_at_start = now, cpu
                if budget.stopped and budget.allowance > 0:
                    resume(pid)
                    budget.stopped = False
            elif not budget.stopped and cpu - budget.cpu_at_start >= budget.allowance:
                pause(pid)
                budget.stopped = True
                on_pause()
    for pid, budget in budgets.items():
        if budget.stopped:
            resume(pid)


def _apply(line: str, budgets: dict[int, _Budget]) -> None:
    verb, *args = line.split()
    pid = int(args[0])
    old = budgets.pop(pid, None)
    if old is not None and old.stopped:
        resume(pid)
    if verb == "watch":
        share, cpu0 = float(args[1]), float(args[2])
        budgets[pid] = _Budget(share, time.monotonic(), cpu0)


class Enforcer:
    """The backend's handle on the enforcing process, started on first use."""

    def __init__(self):
        self.pauses = 0          # how often a worker was paused for exceeding its share
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def watch(self, pid: int, share: float, cpu_at_delivery: float) -> None:
        self._send(f"watch {pid} {share!r} {cpu_at_delivery!r}\n")

    def release(self, pid: int) -> None:
        self._send(f"release {pid}\n")

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()   # the enforcer resumes what it paused and exits
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()

    def _send(self, line: str) -> None:
        with self._lock:
            try:
                if self._proc is None:
                    self._proc = subprocess.Popen(
                        [sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True, bufsize=1)
                    threading.Thread(target=self._count_pauses, args=(self._proc.stdout,),
                                     name="lambda-cpu-share-pauses", daemon=True).start()
                self._proc.stdin.write(line)
            except (OSError, ValueError) as exc:  # never fail an invocation over its throttle
                print(f"labkit lambda-runtime: CPU-share enforcer unavailable: {exc!r}",
                      file=sys.stderr)

    def _count_pauses(self, stdout) -> None:
        for _ in stdout:
            self.pauses += 1


def _before_the_workers() -> None:
    """On Lambda the kernel enforces the share, ahead of any process it throttles. On a busy
    machine this process must also run before the workers it watches, or a short handler ends
    unthrottled before it wakes (measured under six CPU hogs: 0.30 CPU-s in 0.39 s at 128 MB).
    Raising the priority needs root (CI, a container); elsewhere it keeps the default."""
    try:
        os.nice(-10)
    except (AttributeError, OSError):   # no os.nice on Windows; not permitted without root
        pass


def _main() -> None:
    _before_the_workers()
    commands: "queue.Queue[str | None]" = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.put(line)
        commands.put(None)

    threading.Thread(target=read_stdin, daemon=True).start()

    def on_pause() -> None:
        sys.stdout.write("paused\n")
        sys.stdout.flush()

    try:
        enforce(commands, on_pause)
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    _main()
