"""Shared fixtures: an isolated embedded backend per test session (per xdist worker)."""
from __future__ import annotations

import os
import stat

import boto3
import pytest

from labkit.emulator.server import ServerProcess
from labkit.ministack import MiniStackProcess
from labkit.isolation.limits import learner_can_run_python, untraversable_folders


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A fresh embedded backend in its own process; a MiniStack with
    LABKIT_TEST_BACKEND=ministack (run_suites' conformance-ministack: the same tests, report
    only); or the backend named by TEST_ENDPOINT_URL (the suite unchanged against LocalStack)."""
    external = os.environ.get("TEST_ENDPOINT_URL")
    if external:
        yield _External(external)
        return
    log = tmp_path_factory.mktemp("server") / "server.log"
    if os.environ.get("LABKIT_TEST_BACKEND") == "ministack":   # the conformance-ministack suite
        with MiniStackProcess(log_path=str(log)) as ministack:
            yield ministack
        return
    proc = ServerProcess(log_path=str(log)).start()
    try:
        yield proc
    finally:
        proc.stop()


class _External:
    def __init__(self, url):
        self.url = url


def client_factory(url: str):
    """-> make(service, **kwargs): boto3 clients bound to the backend at `url`."""
    def make(service, **kwargs):
        return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test", **kwargs)
    return make


@pytest.fixture(scope="session")
def aws(server):
    """aws("sqs") -> a boto3 client bound to the test backend."""
    return client_factory(server.url)


@pytest.fixture(scope="session")
def learner_user_can_run_python():
    """Grading as root runs learner code and a graded backend as `nobody`, which must be able
    to start our Python. On this kind of machine the interpreter lives under /root (mode
    0700), and a clone in a `mktemp -d` folder (0700) is in the way too: allow traversal (x
    only, not listing) of the folders in the way, as the grader's message tells an instructor
    to do."""
    if learner_can_run_python():
        for folder in untraversable_folders():
            os.chmod(folder, os.stat(folder).st_mode | stat.S_IXOTH)
    problem = learner_can_run_python()
    assert not problem, problem
