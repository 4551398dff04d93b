"""Execution environments without fork (Windows, macOS, LABKIT_PORTABLE=1 on Linux): each
environment is its own Python process. Same protocol as the zygote's children
(labkit.checks.handler_host), so labkit.checks.sandbox uses either."""
from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import threading
from typing import Any

from labkit.checks.sandbox import INIT_TIMEOUT_S, Limits
from labkit.emulator.runtime.process_control import kill_tree
from labkit.isolation.limits import limited_command


class Spawner:
    """Execution environments without fork: each is a new ``python -m labkit.checks.handler_host
    --environment HANDLER`` (under the same limits) that connects back to a one-time loopback
    port with a token. A cold start pays a Python start-up and the boto3 import (the zygote
    pays them once), which is what Lambda pays too."""

    def __init__(self, limits: Limits | None = None, drop_root: bool = False):
        self.limits, self.drop_root = limits or Limits(), drop_root
        self._procs: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def spawn(self, handler: str, env: dict[str, str], cwd: str, log_fd: int) -> tuple[int, socket.socket]:
        token = secrets.token_hex(16)
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(INIT_TIMEOUT_S)
            env = dict(env, LABKIT_ENV_CONNECT=f"127.0.0.1:{listener.getsockname()[1]}",
                       LABKIT_ENV_TOKEN=token)
            cmd = limited_command([sys.executable, "-m", "labkit.checks.handler_host",
                                   "--environment", handler], self.limits.memory_mb,
                                  self.limits.cpu_s, self.limits.file_mb, drop_root=self.drop_root)
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
                                    env=env, cwd=cwd, **_new_session())
            with self._lock:
                self._procs[proc.pid] = proc
            try:
                while True:   # only the process we started, holding its token, gets in
                    sock, _ = listener.accept()
                    if _read_token(sock) == token:
                        return proc.pid, sock
                    sock.close()
            except OSError:
                self.kill(proc.pid)
                raise RuntimeError("the execution environment did not start")

    def kill(self, pid: int) -> int | None:
        """Stop an environment and anything it started, then reap it. Until then its pid stays
        its own, even if it exited (a zombie), so the signal cannot reach another process.
        -> its exit status (Popen.returncode; None if it was killed and reaped before)."""
        with self._lock:
            proc = self._procs.pop(pid, None)
        if proc is None:   # killed and reaped before: its pid may belong to a stranger by now
            return None
        kill_tree(pid)   # the environment and anything it started (a zombie keeps its exit status)
        return proc.wait()

    def close(self) -> None:
        for pid in list(self._procs):
            self.kill(pid)

    def __enter__(self) -> "Spawner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _new_session() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _read_token(sock: socket.socket) -> str:
    sock.settimeout(INIT_TIMEOUT_S)
    data = b""
    while not data.endswith(b"\n") and len(data) < 100:
        chunk = sock.recv(1)   # one byte at a time: what follows belongs to the protocol
        if not chunk:
            break
        data += chunk
    sock.settimeout(None)
    return data.decode(errors="replace").strip()
