"""Every lesson and solution notebook on MiniStack (issue 18): it runs to the end, or it stops
in its first code cell with labkit's explanation of what MiniStack lacks (BackendLacks, from the
needs the notebook names: labkit/backend_gaps.py). A traceback anywhere else fails the test: the
notebook should name what it depends on, or MiniStack misbehaved (under load, say). The suite is
report-only in make test (run_suites.REPORT_ONLY): what fails here is a row of the README's
matrix, "fails in code cell N", with the reason.

A solution runs its lab's public checks, so this also runs every lab's public checks on
MiniStack. Each outcome is written to test-output/ministack/ for the README's table.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from labkit.kernel_client import SlicedPollKernelManager
from labkit.lab_launcher import kernel_environment
from tests.ministack.conftest import OUTCOMES, ROOT
from tests.notebooks.test_execute_notebooks import CELL_TIMEOUT_S, scratch_copy

NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for folder in ("notebooks", "solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))


def _first_error(nb) -> tuple[int, dict] | None:
    """(code cell number, 1-based; the error output) of the first cell that raised."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return number, output
    return None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_or_stops_with_the_reason(name, ministack, tmp_path):
    copy = scratch_copy(ROOT / name, tmp_path)
    nb = nbformat.read(copy, as_version=4)
    env = dict(kernel_environment(ministack.url), LABKIT_BACKEND="ministack")
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            kernel_manager_class=SlicedPollKernelManager, allow_errors=False,
                            resources={"metadata": {"path": str(copy.parent)}},
                            extra_arguments=["--InteractiveShell.colors=nocolor"])
    started = time.monotonic()
    try:
        client.execute(env=env)
    except CellExecutionError:
        pass   # read from the outputs below
    error = _first_error(nb)
    outcome = {"notebook": name, "seconds": round(time.monotonic() - started, 1),
               "code_cells": sum(c.cell_type == "code" for c in nb.cells)}
    if error is None:
        outcome.update(outcome="runs")
    else:
        cell, output = error
        kind = "stops" if output.get("ename") == "BackendLacks" else "fails"
        reason = f"{output.get('ename')}: {output.get('evalue', '')}"
        # a stop names every missing need (the README's matrix lists them all); a traceback's
        # message is cut
        outcome.update(outcome=kind, cell=cell, reason=reason if kind == "stops" else reason[:600])
    (OUTCOMES / (name.replace("/", "__") + ".json")).write_text(json.dumps(outcome, indent=1))
    assert outcome["outcome"] != "fails", (
        f"{name} failed on MiniStack in code cell {outcome.get('cell')} with a traceback: "
        f"{outcome.get('reason')}. Name what it needs in its first cell "
        f"(connect(needs=[...]), labkit/backend_gaps.py) or fix the notebook.")
    if outcome["outcome"] == "stops":
        assert outcome["cell"] <= 2, f"{name} stopped for a missing need in cell {outcome['cell']}: " \
                                     "check needs in the first cells, before any resource exists"
