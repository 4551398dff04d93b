"""Runtime suite: an embedded backend tuned for fast tests, and function helpers.

The server runs with short async retry waits (AWS: 1 and 2 minutes) so retry tests finish
in seconds; everything else is the default configuration.
"""
from __future__ import annotations

import base64
import json
import os
import time
import uuid

import boto3
import psutil
import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.emulator.server import ServerProcess

TEST_ENV = {"LABKIT_LAMBDA_ASYNC_RETRY_DELAYS": "0.5,1"}


def start_server(tmp_path_factory, **env) -> ServerProcess:
    log = tmp_path_factory.mktemp("server") / "server.log"
    return ServerProcess(log_path=str(log), env={**os.environ, **TEST_ENV, **env}).start()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    proc = start_server(tmp_path_factory)
    try:
        yield proc
    finally:
        proc.stop()


def make_client(url: str, service: str, **kwargs):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, read_timeout=120), **kwargs)


@pytest.fixture(scope="session")
def aws(server):
    return lambda service, **kw: make_client(server.url, service, **kw)


@pytest.fixture(scope="session")
def lam(aws):
    return aws("lambda")


@pytest.fixture(scope="session")
def logs(aws):
    return aws("logs")


@pytest.fixture
def deploy(lam):
    """deploy(source, **config) -> unique function name."""

    def make(source, handler="app.handler", **config):
        name = f"fn-{uuid.uuid4().hex[:10]}"
        deploy_function(lam, name, source, handler=handler, **config)
        return name

    return make


def invoke(lam, name, event=None, **kwargs):
    """-> (status, function_error, decoded payload, log tail text)."""
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), LogType="Tail", **kwargs)
    raw = resp["Payload"].read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw
    tail = base64.b64decode(resp.get("LogResult", "")).decode() if resp.get("LogResult") else ""
    return resp["StatusCode"], resp.get("FunctionError"), payload, tail


def wait_for(check, timeout=60.0, interval=0.1, what="condition"):
    """Poll ``check()`` until it returns something truthy, or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def process_gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped counts: it runs nothing)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def log_messages(logs, name) -> list[str]:
    group = f"/aws/lambda/{name}"
    try:
        events = logs.filter_log_events(logGroupName=group)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for e in events]


def report_lines(logs, name) -> list[str]:
    return [m for m in log_messages(logs, name) if m.startswith("REPORT ")]
