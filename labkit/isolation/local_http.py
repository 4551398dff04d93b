"""A small HTTP service on 127.0.0.1, served from a background thread: the stand-ins that
lessons and checks run beside a function (lesson 09's fixed-capacity API, the capstone's
warehouse, lab 10's payment provider, lab 11's capacity meter).

The listen backlog is set *before* the socket listens. ``socketserver.TCPServer`` calls
``listen(request_queue_size)`` in its constructor, so setting the attribute on a server
afterwards (as these services once did) changes nothing and leaves the default of 5: a burst
of callers then waits in the kernel (a dropped SYN is retried after a second) instead of
getting the service's own answer, such as a 503 when its slots are full.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BACKLOG = 1024   # connections the kernel queues before the service's handler sees them


class StandInHandler(BaseHTTPRequestHandler):
    """A stand-in's request handler: quiet, one answer per connection, and a caller that went
    away before its answer (a function that timed out, an environment that was stopped) is no
    error of the service's."""

    def json_body(self) -> dict[str, Any]:
        """The request's body as a JSON object ({} for a body that is not one)."""
        length = int(self.headers.get("Content-Length") or 0)
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def answer(self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()) -> None:
        try:
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the caller went away: nothing to answer

    def answer_json(self, status: int, value: Any) -> None:
        self.answer(status, json.dumps(value).encode(), [("Content-Type", "application/json")])

    def log_message(self, *args) -> None:   # keep notebooks and test logs quiet
        pass


def make_server(handler: type[BaseHTTPRequestHandler], bind: tuple[str, int] = ("127.0.0.1", 0),
                backlog: int = BACKLOG) -> ThreadingHTTPServer:
    """A listening server for ``handler`` (port 0: any free one), one daemon thread per
    request, not yet serving."""
    server = ThreadingHTTPServer(bind, handler, bind_and_activate=False)
    server.daemon_threads = True
    server.request_queue_size = backlog
    try:
        server.server_bind()
        server.server_activate()
    except BaseException:
        server.server_close()
        raise
    return server


def serve_in_background(handler: type[BaseHTTPRequestHandler], name: str,
                        bind: tuple[str, int] = ("127.0.0.1", 0),
                        backlog: int = BACKLOG) -> ThreadingHTTPServer:
    """``make_server``, then serving in a daemon thread called ``name``; stop with ``stop``.
    The port is ``server.server_address[1]``."""
    server = make_server(handler, bind, backlog)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop serving and close the socket (nothing to do for None)."""
    if server is not None:
        server.shutdown()
        server.server_close()
