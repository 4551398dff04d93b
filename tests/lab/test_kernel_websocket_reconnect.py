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
    has sent `marker` through it, and keeps the next connection waiting `hold_s` before it
    reaches the server: the websocket is really down meanwhile. Relayed untouched after that."""

    def __init__(self, upstream: int, marker: bytes, hold_s: float):
        self.upstream, self.marker, self.hold_s = upstream, marker, hold_s
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
            if self.dropped.is_set():
                time.sleep(self.hold_s)
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        frames = _Frames() if from_server else None
        try:
            while chunk := source.recv(65536):
                if frames is None:
                    sink.sendall(chunk)
                    continue
                for piece in frames.complete(chunk):   # whole frames: a cut one would be lost
                    sink.sendall(piece)
                    if self.marker in piece and not self.dropped.is_set():
                        self.dropped.set()
                        # the server sees its websocket close at once; the client gets what was
                        # forwarded, then the end (a close with bytes from the client unread
                        # would be a reset, which discards what the client had not read yet)
                        sink.shutdown(socket.SHUT_WR)
                        source.close()
                        return
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


class _Frames:
    """The server's side of a websocket as whole pieces: the HTTP upgrade response, then one
    frame each (RFC 6455, section 5.2). A connection dropped right after a chunk that held the
    marker could cut the marker's frame in two (a busy machine splits writes): the client would
    get half a message, and the server, which sent it all, would not send it again."""

    def __init__(self):
        self.pending = b""
        self.upgraded = False

    def complete(self, chunk: bytes) -> list[bytes]:
        self.pending += chunk
        pieces = []
        while True:
            if not self.upgraded:
                end = self.pending.find(b"\r\n\r\n")
                if end < 0:
                    return pieces
                size, self.upgraded = end + 4, True
            else:
                size = _frame_size(self.pending)
                if size is None or len(self.pending) < size:
                    return pieces
            pieces.append(self.pending[:size])
            self.pending = self.pending[size:]


def _frame_size(data: bytes) -> int | None:
    """Header plus payload length of the frame that ``data`` starts with (None: not all of its
    header is here yet)."""
    if len(data) < 2:
        return None
    length, header = data[1] & 0x7F, 2
    if length >= 126:
        extra = 2 if length == 126 else 8
        if len(data) < 2 + extra:
            return None
        length, header = int.from_bytes(data[2:2 + extra], "big"), 2 + extra
    return header + (4 if data[1] & 0x80 else 0) + length


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
    """The connection drops as "before the drop" passes; the kernel prints "while it was down"
    1.5 s later, while the relay keeps the client's new connection waiting 4 s; the server
    buffers that line for the session and replays it when the client is back. (The marker is
    not in the code, or the code's own echo on iopub would trip it first.)"""
    port, log = jupyter_server
    server = JupyterServer(port, TOKEN)
    kernel = server.start_kernel()
    relay = DroppingRelay(port, marker=b"before the drop", hold_s=4.0)
    try:
        server.ws_base = f"ws://127.0.0.1:{relay.port}"
        result = server.execute(kernel, 'import time\nprint("before", "the drop", flush=True)\n'
                                         'time.sleep(1.5)\nprint("while it was down", flush=True)\n'
                                         'time.sleep(5)\nprint("after the drop")', timeout=120)
    finally:
        relay.close()
    server_log = log.read_text()
    assert relay.dropped.is_set() and relay.connections == 2, (relay.connections, server_log)
    assert result == {"status": "ok", "stdout": "before the drop\nwhile it was down\nafter the drop\n",
                      "error": None}, server_log
    assert "Restoring connection for" in server_log and "Replaying" in server_log, server_log
