"""labs/ starters are generated from solutions/ (the master copies) and committed without
outputs; `labkit starters --all` regenerates them."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.grading.starter import starter_notebook, starter_source

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_markers_are_replaced():
    src = ("def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n"
           "    ### STARTER: return None\n")
    assert starter_source(src) == "def f():\n    return None"


def test_unclosed_marker_is_an_error():
    with pytest.raises(ValueError):
        starter_source("### BEGIN SOLUTION\nx = 1\n")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[s.name for s in SOLUTIONS])
def test_starter_is_generated_from_solution(solution):
    starter = ROOT / "labs" / solution.name
    assert starter.exists(), "run labkit starters --all"
    expected = starter_notebook(nbformat.read(solution, as_version=4))
    actual = nbformat.read(starter, as_version=4)
    assert [(c.cell_type, c.source) for c in actual.cells] == \
        [(c.cell_type, c.source) for c in expected.cells], "labs/ is stale: regenerate it"
    assert "BEGIN SOLUTION" not in starter.read_text()


@pytest.mark.parametrize("path", SOLUTIONS + sorted((ROOT / "labs").glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
