"""The MiniStack lane: every lesson and solution, and probes of what MiniStack lacks, run
against a MiniStack started from .ministack/ (`make ministack`, the version pinned in
requirements-ministack.txt). No Docker, no network: MiniStack runs Lambda code itself.

Outcomes go to test-output/ministack/, one JSON file per notebook (written by each test, so
xdist workers never share a file); tests/backend_matrix.py turns them into the README's table.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labkit.ministack import MiniStackProcess
from tests.conftest import client_factory

ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = ROOT / "test-output" / "ministack"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller: start from an empty report
        shutil.rmtree(OUTCOMES, ignore_errors=True)
        OUTCOMES.mkdir(parents=True)


@pytest.fixture
def ministack(tmp_path):
    """A fresh MiniStack for one test: an empty account, as a learner starts."""
    with MiniStackProcess(log_path=str(tmp_path / "ministack.log")) as process:
        yield process


@pytest.fixture
def aws(ministack):
    return client_factory(ministack.url)
