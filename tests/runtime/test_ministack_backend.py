"""LABKIT_BACKEND=ministack for real: connect() starts MiniStack from .ministack/ (installed by
`make ministack`, which `make test` runs first) and plain boto3 reaches it; stopping it, or
killing the process that started it, leaves no process behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import boto3
import psutil
import pytest

from labkit import backends
from labkit.isolation.ports import free_port
from labkit.ministack import installed_version
from tests.runtime.conftest import process_gone


@pytest.fixture
def environment():
    """os.environ as it was before the test: connect() exports the backend into it."""
    saved = dict(os.environ)
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)


def test_connect_starts_ministack_and_plain_boto3_round_trips_sqs(monkeypatch, environment):
    assert installed_version(), "MiniStack is not in .ministack/: run `make ministack`"
    # nothing answers at the default endpoint: connect() must start one of its own
    monkeypatch.setattr(backends, "DEFAULT_MINISTACK_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(backends, "_started", None)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # no session from another test
    for name in ("AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        environment.pop(name, None)
    environment.update(LABKIT_BACKEND="ministack", AWS_DEFAULT_REGION="us-east-1",
                       # real-looking keys, which must not reach MiniStack
                       AWS_ACCESS_KEY_ID="AKIAREALLOOKINGKEY", AWS_SECRET_ACCESS_KEY="secret")

    backend = backends.connect()
    started = backends._started
    try:
        assert (backend.name, backend.started_here, backend.endpoint_url) == (
            "ministack", True, started.url)
        assert environment["AWS_ENDPOINT_URL"] == started.url
        assert environment["AWS_ACCESS_KEY_ID"] == "test"
        assert backend.health()["version"] == installed_version()

        sqs = boto3.client("sqs")  # plain boto3: endpoint, region, credentials from the environment
        queue = sqs.create_queue(QueueName="ministack-round-trip")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody="hello from labkit")
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
        assert [m["Body"] for m in got] == ["hello from labkit"]
        ours = [psutil.Process(started.pid)] + psutil.Process(started.pid).children(recursive=True)
    finally:
        started.stop()
    assert [p.pid for p in ours if not process_gone(p.pid)] == []


PARENT = """
import time
from labkit.ministack import MiniStackProcess
print(MiniStackProcess().start().pid, flush=True)
time.sleep(600)
"""


def test_ministack_stops_when_the_process_that_started_it_is_killed():
    """A kernel killed with -9 runs no atexit: MiniStack must notice on its own."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    assert not process_gone(pid)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 30
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not process_gone(pid):
        os.killpg(pid, signal.SIGKILL)
        raise AssertionError("MiniStack outlived the process that started it by 30 s")


def test_a_port_taken_before_ministack_binds_it_is_traded_for_another(monkeypatch):
    """free_port() says what is free when asked; CI saw another process take that port before
    MiniStack bound it. A port MiniStack chose itself is then exchanged, not a failed start."""
    import socket

    from labkit import ministack

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        offered = iter([taken.getsockname()[1], free_port()])
        monkeypatch.setattr(ministack, "free_port", lambda host: next(offered))
        process = ministack.MiniStackProcess().start()
        try:
            assert process.url != f"http://127.0.0.1:{taken.getsockname()[1]}"
            assert backends.Backend("ministack", process.url, "us-east-1").health()["version"]
        finally:
            process.stop()
