"""Run a learner's handler the way Lambda would, each execution environment its own process.

A ``Function`` owns a pool of environments: an invocation takes an idle one or starts a new one
(a cold start), one invocation at a time per environment. An invocation that outlives the
timeout kills its environment ("Task timed out"); a handler that kills its process (os._exit,
SIGKILL right after a side effect) is reported as ``crashed``.

Environments are forked from a ``Zygote`` (labkit.checks.handler_host) that runs under
resource limits (labkit.isolation.limits), as an unprivileged user when grading as root, with an
environment holding only what a Lambda function would see. Where fork is missing or unsafe
(Windows, macOS, LABKIT_PORTABLE=1) a ``Spawner`` starts each environment as its own process
instead: same protocol, slower cold starts. Learner code never runs in the checking process.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.faults import at_once
from labkit.isolation.limits import give_to_learner, limited_command
from labkit.lambda_outcomes import CRASHED, ERROR, INIT_ERROR, OK, TIMEOUT, exit_error, timeout_error
from labkit.platform_support import has_safe_fork

if TYPE_CHECKING:
    from labkit.checks.spawner import Spawner

# Longer than Lambda's (labkit.lambda_outcomes.init_deadline_s): a grading machine runs a
# class's checks side by side, and an environment started without fork (Spawner) imports
# Python and boto3 first. The checks judge what an init does, never how long it takes.
INIT_TIMEOUT_S = 60.0


@dataclass
class Invocation:
    status: str                      # an outcome of labkit.lambda_outcomes: ok, error, timeout, ...
    payload: Any = None
    error: dict[str, Any] | None = None
    started: float = 0.0             # time.monotonic() when the invocation was handed over,
    ended: float = 0.0               # and when its answer came back

    @property
    def ok(self) -> bool:
        return self.status == OK

    def describe(self) -> str:
        if self.ok:
            return json.dumps(self.payload, default=str)
        if self.error:
            return f"{self.status}: {self.error.get('errorType')}: {self.error.get('errorMessage')}"
        return self.status

    def as_evidence(self) -> dict[str, Any]:
        return {"status": self.status, "payload": self.payload,
                "error": {k: v for k, v in (self.error or {}).items() if k != "stackTrace"}}


def ran_together(invocations: list[Invocation]) -> bool:
    """Whether at least two of the invocations were in progress at one moment: a race the check
    meant to provoke could happen (threads released together can still run one after another)."""
    busy_until = None   # the latest end among the invocations started so far
    for started, ended in sorted((i.started, i.ended) for i in invocations):
        if busy_until is not None and started < busy_until:
            return True
        busy_until = ended if busy_until is None else max(busy_until, ended)
    return False


@dataclass
class Limits:
    memory_mb: int = 2048
    cpu_s: int = 300
    file_mb: int = 16


class Zygote:
    """A warm process that forks execution environments on request."""

    def __init__(self, limits: Limits | None = None, drop_root: bool = False):
        self.limits = limits or Limits()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = limited_command([sys.executable, "-m", "labkit.checks.handler_host"],
                              self.limits.memory_mb, self.limits.cpu_s, self.limits.file_mb,
                              drop_root=drop_root)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "MALLOC_ARENA_MAX": "2", "HOME": "/tmp",
               "LABKIT_ZYGOTE_FD": str(theirs.fileno())}
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, cwd="/",
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.control = ours
        self._lock = threading.Lock()
        line = _readline_with_timeout(self.proc.stdout, INIT_TIMEOUT_S)
        if line.strip() != b"ready":
            self.close()
            raise RuntimeError("the handler sandbox did not start (is the unprivileged user "
                               "able to run Python? see labkit.isolation.limits)")

    def spawn(self, handler: str, env: dict[str, str], cwd: str, log_fd: int) -> tuple[int, socket.socket]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        request = json.dumps({"handler": handler, "env": env, "cwd": cwd}).encode()
        with self._lock:
            socket.send_fds(self.control, [request], [theirs.fileno(), log_fd])
            reply = self.control.recv(4096)
        theirs.close()
        if not reply:
            ours.close()
            raise RuntimeError("the handler sandbox exited")
        return json.loads(reply)["pid"], ours

    def kill(self, pid: int) -> int | None:
        """Stop an environment and anything it started (its own session). The zygote does it
        and then reaps the environment: an environment that exited stays a zombie until this
        call, so its pid, which is also its group's id, is never another process's while it may
        still be signalled. (A zygote that reaped at once, as it used to, left the checker
        killing pids the system could have given to anyone: in CI, a learner's Jupyter server.)
        -> the environment's exit status, as subprocess gives it (None: not known)."""
        with self._lock:
            try:
                self.control.send(json.dumps({"kill": pid}).encode())
                return json.loads(self.control.recv(4096)).get("exit_code")
            except (OSError, ValueError):   # the zygote is gone, and its zombies with it
                return None

    def close(self) -> None:
        try:
            self.control.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_environments(limits: Limits | None = None, drop_root: bool = False) -> "Zygote | Spawner":
    """What starts execution environments on this platform."""
    if has_safe_fork():
        return Zygote(limits, drop_root)
    from labkit.checks.spawner import Spawner

    return Spawner(limits, drop_root)


def _readline_with_timeout(stream, timeout: float) -> bytes:
    box: list[bytes] = []
    t = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    t.start()
    t.join(timeout)
    return box[0] if box else b""


class _Environment:
    """One forked execution environment."""

    def __init__(self, function: "Function"):
        self.starter = function.zygote
        self.pid, self.sock = function.zygote.spawn(
            function.handler_path, function.process_env(), function.workdir,
            function.log.fileno())
        self.reader = self.sock.makefile("rb")
        self.replies: queue.Queue = queue.Queue()
        self._dead = threading.Event()
        self._killed = False
        threading.Thread(target=self._read, daemon=True).start()
        first = self._next(INIT_TIMEOUT_S)
        if first is None or "init_error" in first or first.get("timeout"):
            self.kill()
            error = (first or {}).get("init_error") or {"errorType": "Runtime.ExitError",
                                                        "errorMessage": "init did not finish"}
            raise _InitFailed(error)
        self.init_cpu_ms: float = first.get("init_cpu_ms", 0.0)

    def _read(self) -> None:
        try:
            for line in self.reader:
                try:
                    self.replies.put(json.loads(line))
                except ValueError:
                    continue
        except OSError:
            pass
        self._dead.set()
        self.replies.put(None)  # EOF: the process is gone

    def _next(self, timeout: float) -> dict | None:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return {"timeout": True}

    def invoke(self, event: Any, timeout_s: float) -> Invocation:
        try:
            self.sock.sendall((json.dumps(event) + "\n").encode())
        except OSError:   # it had exited since its last invocation
            return Invocation(CRASHED, error=exit_error(self.kill()))
        reply = self._next(timeout_s)
        if reply is None:   # it exited during this one: its exit status says how
            return Invocation(CRASHED, error=exit_error(self.kill()))
        if reply.get("timeout"):
            self.kill()
            return Invocation(TIMEOUT, error=timeout_error(timeout_s))
        if "error" in reply:
            return Invocation(ERROR, error=reply["error"])
        return Invocation(OK, payload=reply.get("ok"))

    @property
    def alive(self) -> bool:
        return not self._dead.is_set()

    def kill(self) -> int | None:
        """Kill the environment and anything it started (its own session), once: its starter
        reaps it, and after that its pid may be anybody's. -> its exit status (negative: the
        signal that ended it; None: unknown, or killed before)."""
        code = None
        if not self._killed:
            self._killed = True
            code = self.starter.kill(self.pid)
        try:
            self.sock.close()
        except OSError:
            pass
        return code


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
    memory_mb: int = 128                        # the configured memory, as the context reports it
    zygote: "Zygote | Spawner | None" = None   # what starts its environments
    workdir: str | None = None
    drop_root: bool = False  # only used when this function starts its own zygote

    def __post_init__(self) -> None:
        self.handler_path = os.path.abspath(self.handler_path)
        self._idle: list[_Environment] = []
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._own_workdir = None
        self._own_zygote = self.zygote is None
        if self.zygote is None:
            self.zygote = start_environments(drop_root=self.drop_root)
        if self.workdir is None:
            self._own_workdir = tempfile.TemporaryDirectory(prefix="labkit-fn-")
            self.workdir = self._own_workdir.name
            give_to_learner(self.workdir)
        self.log = open(os.path.join(self.workdir, "function.log"), "ab")
        self.cold_starts = 0
        self.init_cpu_ms: list[float] = []   # CPU time of each environment's init

    def process_env(self) -> dict[str, str]:
        """What the function's process sees: no grader state, no seed, no output folder."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workdir or "/tmp",
            "LANG": "C.UTF-8",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "LABKIT_HANDLER_TIMEOUT": str(self.timeout_s),
            "AWS_LAMBDA_FUNCTION_NAME": os.path.splitext(os.path.basename(self.handler_path))[0],
            # Lambda sets it in every function's environment (Lambda Developer Guide, "Defined
            # runtime environment variables"); the context's memory_limit_in_mb says the same
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
        }
        if self.endpoint_url:  # an emulator: dummy credentials, never the learner's real ones
            env.update(AWS_ENDPOINT_URL=self.endpoint_url,
                       AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        else:  # real AWS (learner's own account, self-paced): the credentials they use
            env["HOME"] = os.path.expanduser("~")
            env.update({k: v for k, v in os.environ.items()
                        if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                 "AWS_SESSION_TOKEN", "AWS_PROFILE")})
        env.update(self.env)
        return env

    def invoke(self, event: Any) -> Invocation:
        with self._lock:
            environment = self._idle.pop() if self._idle else None
        if environment is None or not environment.alive:
            try:
                environment = self._new_environment()
            except _InitFailed as exc:
                return Invocation(INIT_ERROR, error=exc.error)
        started = time.monotonic()
        result = environment.invoke(event, self.timeout_s)
        result.started, result.ended = started, time.monotonic()
        if environment.alive and result.status != TIMEOUT:
            with self._lock:
                self._idle.append(environment)
        return result

    def invoke_at_once(self, events: list[Any]) -> list[Invocation]:
        """Concurrent invocations (one environment each), released together."""
        self.prewarm(len(events))
        return at_once(self.invoke, events)

    def prewarm(self, count: int) -> None:
        """Start environments up front so concurrent invocations really overlap."""
        for _ in range(max(0, count - len(self._idle))):
            try:
                environment = self._new_environment()
            except _InitFailed:
                return  # the invocation that needs one will report the init error
            with self._lock:
                self._idle.append(environment)

    def _new_environment(self) -> _Environment:
        environment = _Environment(self)
        with self._lock:
            self._all.append(environment)
            self.cold_starts += 1
            self.init_cpu_ms.append(environment.init_cpu_ms)
        return environment

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
        if self._own_zygote and self.zygote is not None:
            self.zygote.close()
        if self._own_workdir is not None:
            self._own_workdir.cleanup()

    def __enter__(self) -> "Function":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
