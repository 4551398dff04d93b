"""Memory limit and CPU share of execution environments, enforced from outside.

Memory (AWS: a function that exceeds its MemorySize is stopped, "Runtime exited with
error: signal: killed", Runtime.ExitError): every few ms the resident memory (RSS) of
each initialising or busy worker is compared with MemorySize; over it, the worker is
killed. Turn off with LABKIT_LAMBDA_MEMORY_LIMIT=0.

CPU share (AWS: "Lambda allocates CPU power in proportion to the amount of memory
configured"; 1,769 MB = one vCPU): emulated like the kernel's CFS bandwidth control
(cpu.max quota/period) but from user space, because cgroups are not writable on a laptop
or a JupyterHub pod: each period (100 ms) a busy worker may use share x period of CPU
time (process_control.cpu_time_s: ns from /proc on Linux, psutil elsewhere); once used
up it is paused (SIGSTOP) until the next period (SIGCONT). Overshoot in one period is paid
back in the next, so the long-run share is right even though the check runs every few ms. Applied while a worker
runs an invocation (INIT runs unthrottled). Reported as "emulated" in health(); turn off
with LABKIT_LAMBDA_CPU_SHARE=0.
"""
from __future__ import annotations

import os
import threading
import time
import weakref

from labkit.emulator.runtime.process_control import cpu_time_s, pause, resume

FULL_VCPU_MB = 1769
PERIOD_S = 0.1
TICK_S = 0.004
# With nothing initialising or busy, the monitor sleeps until work_arrived() instead of waking
# every tick: 2 % of a core per idle backend (measured), and a class or a test suite keeps many
# backends idle. The wait is bounded only as a safety net.
IDLE_WAIT_S = 1.0
_monitors: "weakref.WeakSet[Monitor]" = weakref.WeakSet()


def work_arrived() -> None:
    """An environment started initialising or an invocation was delivered (after the state
    the monitor reads says so): wake the monitors."""
    for monitor in list(_monitors):
        monitor._wake.set()


def cpu_share(memory_mb: int) -> float:
    return min(1.0, memory_mb / FULL_VCPU_MB)


class _Budget:
    __slots__ = ("period_start", "cpu_at_start", "allowance", "stopped")

    def __init__(self, now: float, cpu: float, quota: float):
        self.period_start, self.cpu_at_start, self.allowance, self.stopped = now, cpu, quota, False


class Monitor:
    def __init__(self, runtime):
        self.runtime = runtime
        self.memory_mode = "enforced" if os.environ.get("LABKIT_LAMBDA_MEMORY_LIMIT", "1") != "0" else "off"
        self.cpu_share_mode = "emulated" if os.environ.get("LABKIT_LAMBDA_CPU_SHARE", "1") != "0" else "off"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._budgets: dict[int, _Budget] = {}
        self.cpu_stops = 0          # how often a worker was paused for exceeding its share
        self.memory_kills = 0
        self._thread = threading.Thread(target=self._loop, name="lambda-monitor", daemon=True)

    def start(self) -> None:
        if self.memory_mode == "off" and self.cpu_share_mode == "off":
            return
        _monitors.add(self)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _loop(self) -> None:
        tick = 0
        while not self._stop.is_set():
            tick += 1
            active = True
            try:
                envs = [e for e in self.runtime.environments() if e.alive and e.pid]
                active = bool(self._budgets) or any(e.busy or not e.ready.is_set() for e in envs)
                if self.memory_mode == "enforced" and tick % 3 == 0:
                    for env in envs:
                        if env.busy or not env.ready.is_set():
                            self._check_memory(env)
                if self.cpu_share_mode == "emulated":
                    self._share_cpu(envs)
            except Exception as exc:  # never let the monitor die
                print(f"labkit lambda-runtime monitor: {exc!r}")
            if active:
                self._stop.wait(TICK_S)
            else:
                self._wake.wait(IDLE_WAIT_S)
                self._wake.clear()

    def _check_memory(self, env) -> None:
        rss = env.memory_mb(peak=False)
        if rss > env.config.memory_mb:
            env.kill("memory")
            self.memory_kills += 1

    def _share_cpu(self, envs) -> None:
        now = time.monotonic()
        seen = set()
        for env in envs:
            share = cpu_share(env.config.memory_mb)
            if share >= 1.0:
                continue
            pid = env.pid
            seen.add(pid)
            current = env.current  # read once: the runtime thread may replace it meanwhile
            running = env.busy and current is not None and not current.done.is_set()
            budget = self._budgets.get(pid)
            if not running:
                if budget is not None and budget.stopped:
                    resume(pid)
                self._budgets.pop(pid, None)
                continue
            cpu = cpu_time_s(pid)
            if cpu is None:
                continue
            quota = share * PERIOD_S
            if budget is None:
                # count from the moment the handler got the event, not from when this loop
                # first saw it: on a loaded machine that can be many ticks later
                since = current.cpu_at_delivery
                budget = self._budgets[pid] = _Budget(now, cpu if since is None else since, quota)
            if now - budget.period_start >= PERIOD_S:
                # a new period: overshoot of the last one (or unpaid debt) is paid back now
                overshoot = max(0.0, (cpu - budget.cpu_at_start) - budget.allowance)
                budget.allowance = quota - overshoot
                budget.period_start, budget.cpu_at_start = now, cpu
                if budget.stopped and budget.allowance > 0:
                    resume(pid)
                    budget.stopped = False
            elif not budget.stopped and cpu - budget.cpu_at_start >= budget.allowance:
                pause(pid)
                budget.stopped = True
                self.cpu_stops += 1
        for pid in list(self._budgets):
            if pid not in seen:
                self._budgets.pop(pid, None)
