"""Run a learner's handler the way Lambda would, each execution environment its own process.

A ``Function`` owns a pool of environments (``handler_host`` processes): an invocation takes
an idle one or starts a new one (a cold start), one invocation at a time per environment.
An invocation that outlives the timeout kills its environment ("Task timed out"); a handler
that kills its process (os._exit, SIGKILL after a side effect) is reported as ``crashed``.
Learner code never runs in the checking process: it runs under resource limits
(labkit.grading.limits), with an environment that holds only what a Lambda function would see.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from labkit.faults import at_once
from labkit.grading.limits import give_to_learner, limited_command

INIT_TIMEOUT_S = 60.0  # generous: a loaded 2-core machine imports boto3 slowly


@dataclass
class Invocation:
    status: str                      # ok | error | timeout | crashed | init_error
    payload: Any = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        if self.ok:
            return json.dumps(self.payload, default=str)
        if self.error:
            return f"{self.status}: {self.error.get('errorType')}: {self.error.get('errorMessage')}"
        return self.status

    def as_evidence(self) -> dict[str, Any]:
        return {"status": self.status, "payload": self.payload,
                "error": {k: v for k, v in (self.error or {}).items() if k != "stackTrace"}}


@dataclass
class Limits:
    memory_mb: int = 2048
    cpu_s: int = 120
    file_mb: int = 16


class _Environment:
    """One handler_host process."""

    def __init__(self, function: "Function"):
        self.function = function
        cmd = [sys.executable, "-m", "labkit.checks.handler_host", function.handler_path]
        limits = function.limits
        cmd = limited_command(cmd, limits.memory_mb, limits.cpu_s, limits.file_mb,
                              drop_root=function.drop_root)
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=function.log,
            cwd=function.workdir, env=function.process_env(), start_new_session=True)
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self._next(INIT_TIMEOUT_S)
        if first is None or "init_error" in first:
            self.kill()
            error = (first or {}).get("init_error") or {"errorType": "Runtime.ExitError",
                                                        "errorMessage": "init did not finish"}
            raise _InitFailed(error)

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            try:
                self.replies.put(json.loads(line))
            except ValueError:
                continue
        self.replies.put(None)  # EOF: the process is gone

    def _next(self, timeout: float) -> dict | None:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return {"timeout": True}

    def invoke(self, event: Any, timeout_s: float) -> Invocation:
        try:
            self.proc.stdin.write((json.dumps(event) + "\n").encode())  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            return Invocation("crashed", error={"errorType": "Runtime.ExitError",
                                                "errorMessage": "environment had exited"})
        reply = self._next(timeout_s)
        if reply is None:
            code = self.proc.wait()
            return Invocation("crashed", error={
                "errorType": "Runtime.ExitError",
                "errorMessage": f"execution environment exited (code {code}) during the invocation"})
        if reply.get("timeout"):
            self.kill()
            return Invocation("timeout", error={
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {timeout_s:.2f} seconds"})
        if "error" in reply:
            return Invocation("error", error=reply["error"])
        return Invocation("ok", payload=reply.get("ok"))

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass


class _InitFailed(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("errorMessage"))
        self.error = error


@dataclass
class Function:
    """A learner's handler file, deployed as a function with these environment variables."""

    handler_path: str
    env: dict[str, str] = field(default_factory=dict)
    endpoint_url: str | None = None
    timeout_s: float = 10.0
    limits: Limits = field(default_factory=Limits)
    workdir: str | None = None
    drop_root: bool = False  # grading: learner code runs as an unprivileged user

    def __post_init__(self) -> None:
        self.handler_path = os.path.abspath(self.handler_path)
        self._idle: list[_Environment] = []
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._own_workdir = None
        if self.workdir is None:
            self._own_workdir = tempfile.TemporaryDirectory(prefix="labkit-fn-")
            self.workdir = self._own_workdir.name
            if self.drop_root:
                give_to_learner(self.workdir)
        self.log = open(os.path.join(self.workdir, "function.log"), "ab")
        self.cold_starts = 0

    def process_env(self) -> dict[str, str]:
        """What the function's process sees: no grader state, no seed, no output folder."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workdir or "/tmp",
            "LANG": "C.UTF-8",
            "MALLOC_ARENA_MAX": "2",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "LABKIT_HANDLER_TIMEOUT": str(self.timeout_s),
            "AWS_LAMBDA_FUNCTION_NAME": os.path.splitext(os.path.basename(self.handler_path))[0],
        }
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
            env["LABKIT_BACKEND"] = "embedded"
        env.update(self.env)
        return env

    def invoke(self, event: Any) -> Invocation:
        with self._lock:
            environment = self._idle.pop() if self._idle else None
        if environment is None or not environment.alive:
            try:
                environment = _Environment(self)
            except _InitFailed as exc:
                return Invocation("init_error", error=exc.error)
            with self._lock:
                self._all.append(environment)
                self.cold_starts += 1
        result = environment.invoke(event, self.timeout_s)
        if environment.alive:
            with self._lock:
                self._idle.append(environment)
        return result

    def invoke_at_once(self, events: list[Any]) -> list[Invocation]:
        """Concurrent invocations (one environment each), released together."""
        self.prewarm(len(events))
        return at_once(self.invoke, events)

    def prewarm(self, count: int) -> None:
        """Start environments up front so concurrent invocations really overlap."""
        missing = max(0, count - len(self._idle))
        started = at_once(lambda _: self._start_idle(), list(range(missing)))
        del started

    def _start_idle(self) -> None:
        try:
            environment = _Environment(self)
        except _InitFailed:
            return  # the invocation that needs it will report the init error
        with self._lock:
            self._all.append(environment)
            self._idle.append(environment)
            self.cold_starts += 1

    def log_tail(self, limit: int = 4000) -> str:
        self.log.flush()
        with open(self.log.name, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode(errors="replace")

    def close(self) -> None:
        for environment in self._all:
            environment.kill()
        self._all.clear()
        self._idle.clear()
        self.log.close()
        if self._own_workdir is not None:
            self._own_workdir.cleanup()

    def __enter__(self) -> "Function":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
