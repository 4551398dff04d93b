"""Memory limit and CPU share of execution environments, enforced from outside.

Memory (AWS: a function that exceeds its MemorySize is stopped, "Runtime exited with
error: signal: killed", Runtime.ExitError): every few ms the resident memory (RSS) of
each initialising or busy worker is compared with MemorySize; over it, the worker is
killed. Turn off with LABKIT_LAMBDA_MEMORY_LIMIT=0.

CPU share (AWS: "Lambda allocates CPU power in proportion to the amount of memory
configured"): the environment tells the monitor when an invocation is delivered and when it
ends, and cpu_share.py's enforcing process throttles the worker in between. Reported as
"emulated" in health(); turn off with LABKIT_LAMBDA_CPU_SHARE=0.
"""
from __future__ import annotations

import os
import threading
import time
import weakref

from labkit.emulator.runtime.cpu_share import Enforcer, cpu_share

TICK_S = 0.012
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


class Monitor:
    def __init__(self, runtime):
        self.runtime = runtime
        self.memory_mode = "enforced" if os.environ.get("LABKIT_LAMBDA_MEMORY_LIMIT", "1") != "0" else "off"
        self.cpu_share_mode = "emulated" if os.environ.get("LABKIT_LAMBDA_CPU_SHARE", "1") != "0" else "off"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._cpu_share = Enforcer()
        self.memory_kills = 0
        self._thread = threading.Thread(target=self._loop, name="lambda-monitor", daemon=True)

    @property
    def cpu_stops(self) -> int:
        """How often a worker was paused for exceeding its share."""
        return self._cpu_share.pauses

    def start(self) -> None:
        if self.memory_mode == "off":
            return
        _monitors.add(self)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._cpu_share.stop()

    def invocation_delivered(self, env, inv) -> None:
        share = cpu_share(env.config.memory_mb)
        if self.cpu_share_mode == "emulated" and share < 1.0 and inv.cpu_at_delivery is not None:
            self._cpu_share.watch(env.pid, share, inv.cpu_at_delivery)

    def invocation_ended(self, env) -> None:
        if self.cpu_share_mode == "emulated" and cpu_share(env.config.memory_mb) < 1.0 and env.pid:
            self._cpu_share.release(env.pid)

    def _loop(self) -> None:
        while not self._stop.is_set():
            active = True
            try:
                envs = [e for e in self.runtime.environments() if e.alive and e.pid]
                active = any(e.busy or not e.ready.is_set() for e in envs)
                for env in envs:
                    if env.busy or not env.ready.is_set():
                        self._check_memory(env)
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
