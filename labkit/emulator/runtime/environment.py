"""One execution environment = one worker OS process running a Lambda runtime client
(``python -m awslambdaric module.handler``, or the portable one: client_choice.py) against
its own Runtime API server.

Lifecycle, as on AWS: INIT (start the process, import the handler module; measured from
process start to its first GET /next = Init Duration) -> INVOKE, one invocation at a time
-> reused while warm -> stopped when idle too long, on timeout, on crash, on exceeding
its memory. Handler stdout/stderr go to a per-environment file; each invocation's share
is the bytes written between its /next and its /response (the worker writes unbuffered,
so everything it printed is in the file before it posts the result).
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

from labkit.emulator.runtime.config import FunctionConfig
from labkit.emulator.runtime.launcher import spawn_fresh
from labkit.emulator.runtime.cpu_share import cpu_share
from labkit.emulator.runtime.monitor import work_arrived
from labkit.emulator.runtime.process_control import cpu_time_s, kill_tree, memory_mb
from labkit.emulator.runtime.runtime_api import RuntimeApiServer
from labkit.lambda_outcomes import CRASHED, ERROR, INIT_ERROR, OK, TIMEOUT, init_deadline_s

XRAY_DAEMON_ENV = "LABKIT_XRAY_DAEMON_ADDRESS"   # the server's X-Ray daemon (xray_daemon.py)


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    function_arn: str
    timeout_s: float
    trace_id: str = field(default_factory=lambda: f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0")
    deadline_ms: int = 0
    delivered: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0          # perf_counter when the handler got the event
    ended: float = 0.0
    log_start: int = 0            # offset in the environment's log file at delivery
    cpu_at_delivery: float | None = None  # worker CPU seconds at delivery: the CPU-share budget counts from here
    result: bytes = b""
    error_type: str | None = None  # set when the handler reported an error
    failure: str | None = None     # "timeout" | "init-timeout" | "init" | "exit" | a kill reason

    @property
    def outcome(self) -> str:
        """What happened, in labkit.lambda_outcomes' words (read once ``done`` is set)."""
        if self.failure in ("timeout", "init-timeout"):
            return TIMEOUT
        if self.failure == "init":
            return INIT_ERROR
        if self.failure:   # the worker exited or was killed (crash, memory)
            return CRASHED
        return ERROR if self.error_type else OK

    @property
    def duration_ms(self) -> float:
        if not self.started:
            return 0.0
        return ((self.ended or time.perf_counter()) - self.started) * 1000.0


class Environment:
    """A worker process plus its Runtime API server."""

    def __init__(self, config: FunctionConfig, code_dir: str, server_url: str,
                 provisioned: bool = False, launcher=None, monitor=None):
        self.config = config
        self.code_dir = code_dir
        self.server_url = server_url
        self.provisioned = provisioned
        self.launcher = launcher
        self.monitor = monitor             # told when an invocation starts and ends (CPU share)
        self.id = uuid.uuid4().hex
        self.created_at = time.time()
        self.log_stream = ""
        self.proc: subprocess.Popen | None = None
        self.pid: int | None = None
        self.ready = threading.Event()     # first /next seen, or init failed, or died
        self.init_ms: float | None = None
        self.init_error_body: bytes | None = None
        self.init_error_type: str | None = None
        self.alive = True
        self.exit_code: int | None = None
        self.kill_reason: str | None = None
        self.busy = False
        self.last_used = time.monotonic()
        self.cold_reported = False         # Init Duration goes on the first REPORT only
        self.current: Invocation | None = None
        self._queue: queue.Queue = queue.Queue()
        self._started_perf = 0.0
        self._log_path = ""
        self._log_read = 0
        self._api: RuntimeApiServer | None = None
        self.peak_mb = 0

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        from labkit.emulator.runtime.report import log_stream_name

        self.log_stream = log_stream_name(self.config.version, time.time())
        env = self._worker_environ()
        self._started_perf = time.perf_counter()
        if self.launcher is not None:
            self.proc, self._log_path, self._api = self.launcher.launch(
                self, env, self.code_dir, self.config.handler)
        else:
            self.proc, self._log_path, self._api = spawn_fresh(self, env, self.code_dir,
                                                               self.config.handler)
        self.pid = self.proc.pid
        threading.Thread(target=self._watch, name=f"lambda-env-watch-{self.pid}",
                         daemon=True).start()
        work_arrived()   # INIT runs now: its memory is watched

    def _worker_environ(self) -> dict[str, str]:
        c = self.config
        env = {
            # what the Lambda sandbox sets (AWS "Defined runtime environment variables")
            "_HANDLER": c.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{c.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": c.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": c.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency" if self.provisioned else "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": c.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_REGION": c.region,
            "AWS_DEFAULT_REGION": c.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "AWS_ENDPOINT_URL": self.server_url,   # boto3 in the handler reaches the emulator
            "LAMBDA_TASK_ROOT": self.code_dir,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(sys.executable),
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": self.code_dir,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        daemon = os.environ.get(XRAY_DAEMON_ENV)   # set while our X-Ray daemon listens
        if daemon:  # same page: AWS_XRAY_DAEMON_ADDRESS, AWS_XRAY_CONTEXT_MISSING "For X-Ray tracing"
            env["AWS_XRAY_DAEMON_ADDRESS"] = daemon
            env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        if c.json_logs:
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            if c.log_level:
                env["AWS_LAMBDA_LOG_LEVEL"] = c.log_level
        env.update(dict(c.env_vars))
        return env

    def _watch(self) -> None:
        assert self.proc is not None
        code = self.proc.wait()
        self.exit_code = code
        self.alive = False
        inv = self.current
        if inv is not None and not inv.done.is_set():
            inv.failure = inv.failure or (self.kill_reason or "exit")
            inv.ended = time.perf_counter()
            inv.done.set()
        self.ready.set()
        self._queue.put(None)
        if self._api is not None:
            threading.Thread(target=self._api.stop, daemon=True).start()

    def kill(self, reason: str = "killed") -> None:
        """SIGKILL the worker (its whole session: a handler's children die too)."""
        if self.kill_reason is None:
            self.kill_reason = reason
        if self.proc is None or self.proc.poll() is not None:
            self.alive = False
            return
        kill_tree(self.proc.pid)

    def wait_dead(self, timeout: float = 10.0) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self) -> None:
        if self._log_path:
            try:
                os.unlink(self._log_path)
            except OSError:
                pass

    # -- Runtime API host ---------------------------------------------------------------
    def next_invocation(self) -> Invocation | None:
        if not self.ready.is_set():
            self.init_ms = (time.perf_counter() - self._started_perf) * 1000.0
            self.ready.set()
        inv = self._queue.get()
        if inv is None:
            self._queue.put(None)  # keep telling any other waiter
            return None
        inv.log_start = self._log_size()
        inv.deadline_ms = int((time.time() + inv.timeout_s) * 1000)
        inv.started = time.perf_counter()
        if cpu_share(self.config.memory_mb) < 1.0:
            inv.cpu_at_delivery = cpu_time_s(self.pid) if self.pid else None
        self.current = inv
        work_arrived()
        if self.monitor is not None:
            self.monitor.invocation_delivered(self, inv)
        inv.delivered.set()
        return inv

    def invocation_result(self, request_id: str, body: bytes, error_type: str | None) -> None:
        inv = self.current
        if inv is None or inv.request_id != request_id or inv.done.is_set():
            return  # a late answer for an invocation that already timed out
        inv.ended = time.perf_counter()
        inv.result = body
        inv.error_type = error_type
        inv.done.set()
        if self.monitor is not None:
            self.monitor.invocation_ended(self)

    def init_error(self, body: bytes, error_type: str | None) -> None:
        self.init_ms = (time.perf_counter() - self._started_perf) * 1000.0
        self.init_error_body = body
        try:
            self.init_error_type = json.loads(body).get("errorType") or error_type
        except (ValueError, AttributeError):
            self.init_error_type = error_type or "Runtime.Unknown"
        self.ready.set()

    # -- running one invocation ----------------------------------------------------------
    def run(self, inv: Invocation) -> None:
        """Hand ``inv`` to the worker and wait for it to finish, time out or crash.
        On return ``inv.done`` is set and either result/error_type or failure is filled."""
        self.busy = True
        self.current = None
        self._queue.put(inv)
        if not self.ready.wait(init_deadline_s(inv.timeout_s)):
            inv.failure = "init-timeout"
            self.kill("init-timeout")
        elif self.init_error_body is not None and not inv.delivered.is_set():
            inv.failure = "init"
            self.kill("init")  # the runtime exits by itself; make sure
        else:
            while not inv.delivered.is_set():
                if not self.alive:
                    inv.failure = inv.failure or (self.kill_reason or "exit")
                    break
                inv.delivered.wait(0.2)
            if inv.delivered.is_set():
                remaining = inv.timeout_s - (time.perf_counter() - inv.started)
                if not inv.done.wait(max(0.0, remaining)):
                    inv.failure = "timeout"
                    inv.ended = inv.started + inv.timeout_s
                    self.kill("timeout")
        if not inv.ended:
            inv.ended = time.perf_counter()
        inv.done.set()
        if self.monitor is not None and inv.delivered.is_set():
            self.monitor.invocation_ended(self)
        self.busy = False
        self.last_used = time.monotonic()

    # -- logs and memory ----------------------------------------------------------------------
    def _log_size(self) -> int:
        try:
            return os.path.getsize(self._log_path)
        except OSError:
            return 0

    def read_log(self, upto: int | None = None) -> str:
        """Output written since the last read (up to byte ``upto`` when given)."""
        try:
            with open(self._log_path, "rb") as f:
                f.seek(self._log_read)
                data = f.read() if upto is None else f.read(max(0, upto - self._log_read))
        except OSError:
            return ""
        self._log_read += len(data)
        return data.decode("utf-8", errors="replace")

    def memory_mb(self, peak: bool = True) -> int:
        """Resident memory of the worker in MB (``peak``: its high-water mark where the OS
        keeps one, else now); 0 if gone. Every reading also raises ``peak_mb``."""
        if self.pid is None:
            return 0
        mb = memory_mb(self.pid, peak)
        self.peak_mb = max(self.peak_mb, mb)
        return mb
