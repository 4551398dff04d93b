"""A request that reaches the embedded backend as its idle limit fires is answered, not dropped.

RFC 9112, 9.3.1: a server may close an idle connection at any time, and a client may send on it
at that same moment; the request is then lost ("Remote end closed connection without
response"). Run 13h lost a FilterLogEvents that way: its client had waited 5 s on an invoke.
The race is forced here: the handler's first read times out only once the request is already
on the socket (a server thread that got the CPU late, under load)."""
from __future__ import annotations

import select
import socket
import threading

from werkzeug.serving import make_server

from labkit.emulator.http_serving import keep_alive_handler

REQUEST = b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n"


class TimesOutAsTheRequestArrives:
    """A reader whose first read waits for the request's bytes, then raises the idle timeout."""

    def __init__(self, reader, connection: socket.socket):
        self._reader, self._connection, self.fired = reader, connection, False

    def _idle_limit(self):
        assert select.select([self._connection], [], [], 10)[0], "the client sent nothing"
        self.fired = True
        raise TimeoutError("timed out")

    def peek(self, *args):
        return self._idle_limit() if not self.fired else self._reader.peek(*args)

    def readline(self, *args):
        return self._idle_limit() if not self.fired else self._reader.readline(*args)

    def __getattr__(self, name):
        return getattr(self._reader, name)


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"pong"]


def test_a_request_arriving_as_the_idle_limit_fires_is_answered():
    class Racing(keep_alive_handler()):
        def setup(self):
            super().setup()
            self.rfile = TimesOutAsTheRequestArrives(self.rfile, self.connection)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Racing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(REQUEST)
            reply = sock.recv(65536)
            assert reply.startswith(b"HTTP/1.1 200"), f"the request was dropped: {reply!r}"
            assert reply.endswith(b"pong")
            sock.sendall(REQUEST)   # and the connection still carries the next call
            assert sock.recv(65536).endswith(b"pong")
    finally:
        server.shutdown()
        server.server_close()


def test_an_idle_connection_with_nothing_waiting_is_still_closed():
    class Idle(keep_alive_handler()):
        timeout = 0.2

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Idle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(REQUEST)
            assert sock.recv(65536).endswith(b"pong")
            assert sock.recv(1) == b"", "closed once idle (recv returns at the close)"
    finally:
        server.shutdown()
        server.server_close()
