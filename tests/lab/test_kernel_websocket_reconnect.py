"""The tests' kernel client (tests/lab/kernel_client.py) survives a websocket that drops while
the code runs, as JupyterLab does: it opens the channels again with the same session id and the
Jupyter server replays what the kernel sent meanwhile. The hub suite's class of five reaches its
kernels through JupyterHub's proxy on a loaded machine, where CI once saw a connection lost
mid-run; a real Jupyter server here, reached through a relay that drops the connection."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from labkit.isolation.ports import free_port
from tests.lab.kernel_client import JupyterServer

TOKEN = "labkit-reconnect-test"
STARTUP_DEADLINE = 240.0   # a loaded, shared 2-core machine


class DroppingRelay:
    """A TCP relay to `upstream` that closes the connection it is carrying once the server
    has sent `marker` through it; connections after that are relayed untouched."""

    def __init__(self, upstream: int, marker: bytes):
        self.upstream, self.marker = upstream, marker
        self.connections = 0
        self.dropped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
                if from_server and self.marker in chunk and not self.dropped.is_set():
                    self.dropped.set()
                    break
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def jupyter_server(tmp_path: Path):
    port = free_port()
    log = tmp_path / "jupyter.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path}",
         "--allow-root"],
        cwd=tmp_path, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=3)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter server did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.5)
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_output_sent_while_the_websocket_was_down_arrives_after_it_reconnects(jupyter_server):
    port, log = jupyter_server
    server = JupyterServer(port, TOKEN)
    kernel = server.start_kernel()
    relay = DroppingRelay(port, marker=b"before the drop")
    try:
        server.ws_base = f"ws://127.0.0.1:{relay.port}"
        result = server.execute(kernel, 'import time\nprint("before the drop", flush=True)\n'
                                         'time.sleep(5)\nprint("after the drop")', timeout=120)
    finally:
        relay.close()
    assert relay.dropped.is_set() and relay.connections == 2, (relay.connections, log.read_text())
    assert result == {"status": "ok", "stdout": "before the drop\nafter the drop\n", "error": None}
    # the server took the second connection as the same session: it restores it (and replays
    # what it buffered) or, when the new connection came before it saw the old one close,
    # replaces the old one
    server_log = log.read_text()
    assert "Restoring connection for" in server_log or "Replacing stale connection" in server_log
