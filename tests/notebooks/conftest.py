"""Start each `make test` run with a fresh notebook timing report (header only)."""
from __future__ import annotations

from tests.notebooks.timing_report import start_report


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the xdist controller (or a plain run), not a worker
        start_report()
