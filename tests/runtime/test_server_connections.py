"""The embedded backend's HTTP connections: kept open between one client's calls (a boto3
call then costs no TCP connect and no new thread), closed once idle, and many open at once
within a grading backend's address-space limit."""
from __future__ import annotations

import socket
import time

import boto3
import psutil
import pytest

from labkit.emulator.http_serving import IDLE_CONNECTION_S
from labkit.grading.executor import GradeSettings, new_backend
from labkit.lessons.polling import wait_until

HEALTH = b"GET /_labkit/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=30)


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection mid-response: {data[:200]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_one_connection_carries_several_calls(server):
    with _connect(server.url) as sock:
        for _ in range(3):
            sock.sendall(HEALTH)
            head = _read_response(sock)
            assert head.startswith(b"HTTP/1.1 200")
            assert b"connection: close" not in head.lower()


def test_a_call_asking_to_close_gets_its_connection_closed(server):
    with _connect(server.url) as sock:
        sock.sendall(HEALTH.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        assert b"connection: close" in _read_response(sock).lower()
        assert sock.recv(1) == b""


def test_an_idle_connection_is_closed(server):
    with _connect(server.url) as sock:
        sock.sendall(HEALTH)
        _read_response(sock)
        started = time.monotonic()
        sock.settimeout(IDLE_CONNECTION_S + 30)   # a deadline, not a wait: recv returns at close
        assert sock.recv(1) == b"", "the server closes a connection idle for too long"
        assert time.monotonic() - started >= IDLE_CONNECTION_S * 0.5


@pytest.fixture
def limited_server(learner_user_can_run_python):
    """A backend as `labkit grade` starts one: under its address-space limit, unprivileged."""
    proc = new_backend(GradeSettings(seed="-")).start()
    yield proc
    proc.stop()


def test_hundreds_of_open_connections_fit_a_grading_backend(limited_server):
    """Grading lab 05's solution held ~200 threads at once in its backend: one per open
    connection, Step Functions execution and Lambda environment. At 8 MiB of stack a thread
    and a malloc arena per thread, that came within a few threads of the 3 GiB limit."""
    backend = psutil.Process(limited_server.proc.pid)
    before = backend.num_threads()
    held = []
    try:
        for _ in range(300):   # each holds a server thread, waiting for the rest of a request
            sock = _connect(limited_server.url)
            sock.sendall(b"GET /_labkit/health HTTP/1.1\r\n")
            held.append(sock)
        wait_until(lambda: backend.num_threads() >= before + 250, timeout=IDLE_CONNECTION_S,
                   interval=0.05, what="a server thread for every held connection")
        sqs = boto3.client("sqs", endpoint_url=limited_server.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        assert sqs.list_queues().get("QueueUrls", []) == []
    finally:
        for sock in held:
            sock.close()
