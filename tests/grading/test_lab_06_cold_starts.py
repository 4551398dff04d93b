"""Lab 06 checks: the solution gets full marks (public + hidden scenarios of three seeds), the
starter gets zero, and every planted bug under mutants/06_cold_starts/ is caught by the check
its docstring names ("Caught by: <check id>").

The checks measure (init time in the check sandbox, cold starts in REPORT lines of a replayed
burst), so each test states only outcomes the lab's design makes unambiguous: the solution's
init work is ~1 % of the original's against a 10 % target, the starter's is the original's.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from labkit.checks.lab_06_cold_starts import ORIGINAL_SOURCE
from labkit.grading.starter import starter_notebook, starter_source

ROOT = Path(__file__).resolve().parents[2]
LAB = get_lab("06")
SOLUTION = ROOT / "solutions" / "lab06_prices.py"
MUTANTS = sorted((Path(__file__).parent / "mutants" / "06_cold_starts").glob("*.py"))
HANDLER_CELL = "%%writefile lab06_prices.py"


def _handler_cell(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    cells = [c.source for c in nb.cells if c.source.startswith(HANDLER_CELL)]
    assert len(cells) == 1, f"{notebook.name} should have one {HANDLER_CELL} cell"
    return cells[0].split("\n", 1)[1]


def _by_check(results) -> dict[tuple[str, bool], bool]:
    return {(r.check, r.hidden): r.passed for r in results}


def test_starter_notebook_is_generated_from_the_solution():
    solution = nbformat.read(ROOT / "solutions" / "06_cold_starts.ipynb", as_version=4)
    starter = nbformat.read(ROOT / "labs" / "06_cold_starts.ipynb", as_version=4)
    assert [c.source for c in starter.cells] == [c.source for c in starter_notebook(solution).cells]


def test_solution_cell_writes_the_solution_file_and_the_starter_the_original():
    cell = _handler_cell(ROOT / "solutions" / "06_cold_starts.ipynb")
    solution_lines = [line for line in cell.splitlines() if not line.lstrip().startswith("###")]
    assert "\n".join(solution_lines).strip() == SOLUTION.read_text().strip()
    starter = starter_source(cell)
    assert starter.startswith(ORIGINAL_SOURCE.rstrip("\n")), "the starter is the production code"


def test_solution_gets_full_marks_with_three_hidden_seeds(server):
    results = run_checks(LAB.checks, Target(str(SOLUTION), server.url), seed="grading-seed-1")
    more = [c for c in LAB.checks if c.hidden is not None]
    for seed in ("grading-seed-2", "grading-seed-3"):
        results += [r for r in run_checks(more, Target(str(SOLUTION), server.url), seed=seed)
                    if r.hidden]
    failed = [(r.check, r.hidden, r.observed) for r in results if not r.passed]
    assert not failed
    assert sum(r.hidden for r in results) == 3 * len(more)


def test_starter_scores_zero(server, tmp_path):
    starter = tmp_path / "lab06_prices.py"
    starter.write_text(starter_source(_handler_cell(ROOT / "solutions" / "06_cold_starts.ipynb")))
    results = run_checks(LAB.checks, Target(str(starter), server.url), seed="grading-seed-1")
    assert [(r.check, r.hidden) for r in results if r.passed] == []
    assert sum(r.points for r in results) == 0


def test_there_are_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda p: p.stem)
def test_planted_bug_is_caught_by_its_check(mutant: Path, server):
    doc = mutant.read_text().split('"""')[1]
    caught_by = re.search(r"Caught by: ([\w-]+)", doc).group(1)
    spec = next(c for c in LAB.checks if c.id == caught_by)
    results = run_checks([spec], Target(str(mutant), server.url))
    assert results and not results[0].passed, f"{mutant.name} passed {caught_by}"
