"""Pre-started worker interpreters: the cold-start path without interpreter boot time.

AWS keeps sandboxes with the runtime already booted; what a cold start then pays for is
the function's own INIT (importing the handler module). We do the same: one spare Python
process per function code-path shape waits with the runtime client (awslambdaric or the
portable one, client_choice.py) already imported (prestart.py); a new execution
environment takes it, sends its environment variables, code directory and handler, and
the spare runs the client's normal bootstrap. Init Duration is still measured from that
assignment to the first GET /next, so it covers the real import of the handler module.
Turn off with LABKIT_LAMBDA_PRESTART=0 (then each environment is a fresh
``python -m awslambdaric module.handler`` or its portable equivalent).

Variables that act at interpreter start (PYTHON*) cannot be applied afterwards: a
function that sets any gets a fresh process instead.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading

from labkit.emulator.runtime import spawn
from labkit.emulator.runtime.client_choice import RuntimeClient, choose
from labkit.emulator.runtime.runtime_api import RuntimeApiServer


def new_log_file() -> tuple[int, str]:
    return tempfile.mkstemp(prefix="labkit-env-", suffix=".log")


def spawn_fresh(host, env: dict[str, str], cwd: str, handler: str,
                client: RuntimeClient | None = None):
    """A brand-new ``python -m <runtime client> handler`` with its own Runtime API server.
    -> (Popen, log path, RuntimeApiServer)"""
    client = client or choose()
    api = RuntimeApiServer(host).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address)
    fd, path = new_log_file()
    try:
        proc = spawn.popen(client.command(handler), cwd=cwd,
                           env=env, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd,
                           start_new_session=True, close_fds=True)
    except Exception:
        api.stop()
        raise
    finally:
        os.close(fd)
    return proc, path, api


class _Spare:
    """A booted interpreter plus the Runtime API server it will talk to (the runtime
    client reads AWS_LAMBDA_RUNTIME_API when it is imported, so the port comes first)."""

    def __init__(self, client: RuntimeClient):
        self.api = RuntimeApiServer(None).start()
        fd, self.log_path = new_log_file()
        self.cwd = tempfile.gettempdir()
        try:
            self.proc = spawn.popen(
                [sys.executable, "-m", "labkit.emulator.runtime.prestart", client.name],
                cwd=self.cwd, stdin=subprocess.PIPE, stdout=fd, stderr=fd,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1",
                     "PYTHONDONTWRITEBYTECODE": "1", "HOME": os.environ.get("HOME", "/tmp"),
                     "AWS_LAMBDA_RUNTIME_API": self.api.address},
                start_new_session=True, close_fds=True)
        finally:
            os.close(fd)


class Launcher:
    def __init__(self, spares: int | None = None, client: RuntimeClient | None = None):
        self.spares = int(os.environ.get("LABKIT_LAMBDA_SPARES", "1")) if spares is None else spares
        self.client = client or choose()
        self._lock = threading.Lock()
        self._ready: list[_Spare] = []
        self._stopped = False
        self._refill()

    def _refill(self) -> None:
        with self._lock:
            while not self._stopped and len(self._ready) < self.spares:
                self._ready.append(_Spare(self.client))

    def launch(self, host, env: dict[str, str], cwd: str, handler: str):
        """-> (Popen, log path, RuntimeApiServer). A spare when possible, else a fresh process."""
        spare = None
        if not any(k.startswith("PYTHON") and k not in ("PYTHONPATH", "PYTHONUNBUFFERED",
                                                        "PYTHONDONTWRITEBYTECODE") for k in env):
            with self._lock:
                while self._ready and spare is None:
                    candidate = self._ready.pop(0)
                    if candidate.proc.poll() is None:
                        spare = candidate
                    else:
                        candidate.api.stop()
        threading.Thread(target=self._refill, daemon=True).start()
        if spare is not None:
            spare.api.host = host
            job = {"env": dict(env, AWS_LAMBDA_RUNTIME_API=spare.api.address), "cwd": cwd,
                   "handler": handler}
            try:
                spare.proc.stdin.write((json.dumps(job) + "\n").encode())
                spare.proc.stdin.close()
                return spare.proc, spare.log_path, spare.api
            except OSError:
                spare.api.stop()
        return spawn_fresh(host, env, cwd, handler, self.client)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            spares, self._ready = self._ready, []
        for spare in spares:
            spare.api.stop()
            try:
                spare.proc.kill()
                spare.proc.wait(5)
                if spare.proc.stdin:
                    spare.proc.stdin.close()
            except Exception:
                pass
            try:
                os.unlink(spare.log_path)
            except OSError:
                pass
