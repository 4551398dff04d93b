"""MiniStack (an MIT AWS emulator, README "Backends") as a subprocess of this process.

`make ministack` installs it into .ministack/ from requirements-ministack.txt, never into the
learner's .venv (its botocore pin differs from the venv's boto3), so it runs with that folder
on PYTHONPATH. Used by backends.connect() (LABKIT_BACKEND=ministack) and by
bench/bench_backend_calls.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from importlib import metadata
from pathlib import Path

from labkit.isolation.ports import free_port

HOME = Path(__file__).resolve().parent.parent / ".ministack"
HEALTH_PATH = "/_ministack/health"
DEFAULT_HOST = "127.0.0.1"


def installed_version(home: Path = HOME) -> str | None:
    """MiniStack's version in home, or None when `make ministack` has not installed it."""
    found = list(metadata.distributions(name="ministack", path=[str(home)]))
    return found[0].version if found else None


class MiniStackProcess:
    """`python -m ministack` from home, bound to host on port (0: a free one), in a session
    of its own so that stop() ends it together with every worker it started."""

    def __init__(self, port: int = 0, host: str = DEFAULT_HOST, home: Path = HOME,
                 log_path: str | None = None):
        self.host, self.requested_port, self.home = host, port, home
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    @property
    def pid(self) -> int:
        assert self.proc
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> "MiniStackProcess":
        if installed_version(self.home) is None:
            raise RuntimeError(f"MiniStack is not installed in {self.home}: run `make ministack`.")
        deadline = time.monotonic() + timeout
        # A free port is free when we look, not when MiniStack binds it: another process may
        # take it in between (CI met it with tests starting servers in parallel). When the
        # port was ours to choose, a start that exits at once is tried on another one.
        for _ in range(3):
            if self._launch(self.requested_port or free_port(self.host), deadline):
                return self
            if self.requested_port or self.proc.poll() is None or time.monotonic() >= deadline:
                break
        self._log.seek(0)
        tail = self._log.read()[-2000:].decode(errors="replace")
        self.stop()
        raise RuntimeError(f"MiniStack did not answer at {self.url} within {timeout:.0f}s "
                           f"(exit code {self.proc.returncode}):\n{tail}")

    def _launch(self, port: int, deadline: float) -> bool:
        """Start it on port; True once it answers, False if it exited or the deadline passed."""
        if self.proc is not None:
            self._log.close()
        env = dict(os.environ, PYTHONPATH=str(self.home), GATEWAY_PORT=str(port),
                   BIND_HOST=self.host,           # its default is 0.0.0.0
                   MINISTACK_HOST=self.host,
                   IOT_MTLS_ENABLED="0",          # else an MQTT listener on 8883
                   SFTP_ENABLED="0", PERSIST_STATE="0",
                   # an emulator gets dummy credentials, never a learner's real ones
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        for name in ("AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(name, None)
        # without a log_path, its output is kept only to say why a start failed
        self._log = open(self.log_path, "a+b") if self.log_path else tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "labkit.ministack"], env=env,
                                     cwd=tempfile.gettempdir(), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://{self.host}:{port}"
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                urllib.request.urlopen(self.url + HEALTH_PATH, timeout=1).read()
                return True
            except OSError:
                time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its session: the server and its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self._log.close()

    def __enter__(self) -> "MiniStackProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _serve() -> None:
    """MiniStack's own main(), in this process, which also stops (with its whole session)
    when the process that started it dies: a kernel killed with -9 must leave nothing behind."""
    parent = os.getppid()

    def stop_when_orphaned():
        while os.getppid() == parent:   # re-parented (to init or a subreaper): it died
            time.sleep(1.0)
        os.killpg(os.getpgrp(), signal.SIGTERM)

    threading.Thread(target=stop_when_orphaned, name="ministack-parent-watch", daemon=True).start()
    from ministack.app import main

    sys.argv = ["ministack"]   # its argparse must not see ours
    main()


if __name__ == "__main__":
    _serve()
