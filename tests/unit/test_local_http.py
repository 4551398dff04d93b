"""labkit.isolation.local_http: the stand-in services listen with the backlog asked for, read JSON
bodies and answer once per connection, and a caller that went away is no error of theirs.

socketserver.TCPServer listens in its constructor with ``request_queue_size`` (5 by default),
so a backlog set on the server afterwards is never used. What is measured here is the kernel's
behaviour: with nobody accepting, a listening socket completes as many connections as its
backlog allows (Linux: backlog + 1) and leaves the rest waiting on their SYN."""
from __future__ import annotations

import json
import socket
import urllib.error
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


class Echo(local_http.StandInHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.json_body()
        self.answer_json(201 if body else 400, {"got": body})


def _post(url: str, data: bytes) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), answer.headers["Connection"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers["Connection"]


def test_a_stand_in_reads_a_json_object_and_answers_json_once_per_connection():
    server = local_http.serve_in_background(Echo, "echo")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert _post(url, b'{"order_id": "o-1"}') == (201, {"got": {"order_id": "o-1"}}, "close")
        for not_an_object in (b"not json", b"[1, 2]", b""):   # each read as {}
            assert _post(url, not_an_object) == (400, {"got": {}}, "close")
    finally:
        local_http.stop(server)


class GoneAway:
    """The socket of a caller that closed its connection before the answer."""

    def write(self, _):
        raise BrokenPipeError()


def test_a_caller_that_went_away_is_no_error_of_the_stand_in():
    handler = local_http.StandInHandler.__new__(local_http.StandInHandler)   # no connection
    handler.request_version, handler.requestline = "HTTP/1.1", "POST / HTTP/1.1"
    handler.wfile = GoneAway()
    handler.answer(200, b"too late")   # raises nothing
