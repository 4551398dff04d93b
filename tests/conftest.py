"""Shared fixtures: an isolated embedded backend per test session (per xdist worker)."""
from __future__ import annotations

import os

import boto3
import pytest

from labkit.emulator.server import ServerProcess


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A fresh embedded backend in its own process, or the one named by TEST_ENDPOINT_URL
    (used to run the conformance suite unchanged against LocalStack)."""
    external = os.environ.get("TEST_ENDPOINT_URL")
    if external:
        yield _External(external)
        return
    log = tmp_path_factory.mktemp("server") / "server.log"
    proc = ServerProcess(log_path=str(log)).start()
    try:
        yield proc
    finally:
        proc.stop()


class _External:
    def __init__(self, url):
        self.url = url


@pytest.fixture(scope="session")
def aws(server):
    """aws("sqs") -> a boto3 client bound to the test backend."""

    def make(service, **kwargs):
        return boto3.client(service, endpoint_url=server.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test", **kwargs)

    return make
