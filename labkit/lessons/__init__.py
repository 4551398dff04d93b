"""Small helpers the lesson notebooks share: polling, reading Lambda logs, progress, names.

Everything here talks to the backend through plain boto3 clients passed in by the caller,
so a lesson behaves the same on the embedded backend, on LocalStack and on AWS.

Importing this package does nothing by itself: each name below is imported from its module
when it is first asked for (PEP 562), so the checks, which use polling and log reading, do not
load pandas or matplotlib, and nothing is patched unless a lesson draws (see figures.py).
"""
from __future__ import annotations

import importlib

_HOMES = {
    "force_cold_start": "cold_start",
    "show_figure": "figures",
    "parse_report_line": "logs", "read_json_lines": "logs", "read_log_messages": "logs",
    "read_report_lines": "logs", "wait_for_json_lines": "logs", "wait_for_reports": "logs",
    "run_prefix": "names",
    "wait_until": "polling",
    "Progress": "progress_bar",
}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
