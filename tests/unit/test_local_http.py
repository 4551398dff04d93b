"""labkit.isolation.local_http: the stand-in services' listen backlog is the one asked for.

socketserver.TCPServer listens in its constructor with ``request_queue_size`` (5 by default),
so a backlog set on the server afterwards is never used. What is measured here is the kernel's
behaviour: with nobody accepting, a listening socket completes as many connections as its
backlog allows (Linux: backlog + 1) and leaves the rest waiting on their SYN."""
from __future__ import annotations

import socket
import urllib.request
from http.server import BaseHTTPRequestHandler

from labkit.isolation import local_http


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


def connections_completed(port: int, tries: int) -> int:
    """How many of ``tries`` connections complete within 0.3 s each while nothing accepts."""
    completed, sockets = 0, []
    try:
        for _ in range(tries):
            s = socket.socket()
            sockets.append(s)
            s.settimeout(0.3)
            try:
                s.connect(("127.0.0.1", port))
                completed += 1
            except OSError:
                pass
    finally:
        for s in sockets:
            s.close()
    return completed


def test_the_backlog_asked_for_is_the_one_listened_with():
    small = local_http.make_server(Hello, backlog=2)
    large = local_http.make_server(Hello, backlog=64)
    try:
        assert connections_completed(small.server_address[1], 12) < 12
        assert connections_completed(large.server_address[1], 12) == 12
    finally:
        small.server_close()
        large.server_close()


def test_served_in_background_until_stopped():
    server = local_http.serve_in_background(Hello, "hello")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"hello"
    local_http.stop(server)
    local_http.stop(None)   # nothing to stop: no error
    try:
        urllib.request.urlopen(url, timeout=2)
    except OSError:
        pass
    else:
        raise AssertionError("the server still answered after stop()")
