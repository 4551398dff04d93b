"""Lab 06 checks: the solution gets full marks on the hidden scenarios of the seeds
test_grade_every_lab does not grade it under (which grades it public and hidden under the first,
and the starter to zero), and every planted bug under mutants/06_cold_starts/ is caught by the check
its docstring names ("Caught by: <check id>"). Each plausible wrong design under
wrong_designs/06_cold_starts/ (what a learner who half-read the lesson would write) loses the
points of the check it names on the public scenario and on the hidden ones of the other seed.

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
from labkit.labs.lab_06_cold_starts import ORIGINAL_SOURCE
from labkit.grading.starter import starter_notebook, starter_source
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_source, mutant_specs, solution_code, write_mutant

ROOT = Path(__file__).resolve().parents[2]
LAB = get_lab("06")
SOLUTION_NOTEBOOK = ROOT / "solutions" / "06_cold_starts.ipynb"
MUTANTS = mutant_specs("06_cold_starts")
DESIGNS = self_test.wrong_designs("06_cold_starts")
HANDLER_CELL = "%%writefile lab06_prices.py"


def _handler_cell(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    cells = [c.source for c in nb.cells if c.source.startswith(HANDLER_CELL)]
    assert len(cells) == 1, f"{notebook.name} should have one {HANDLER_CELL} cell"
    return cells[0].split("\n", 1)[1]


def _solution_source() -> str:
    """The handler the solution notebook writes (its cell without the ### marker lines)."""
    cell = _handler_cell(SOLUTION_NOTEBOOK)
    return "\n".join(line for line in cell.splitlines() if not line.startswith("###")) + "\n"


@pytest.fixture
def solution(tmp_path) -> str:
    path = tmp_path / "lab06_prices.py"
    path.write_text(_solution_source())
    return str(path)


def test_starter_notebook_is_generated_from_the_solution():
    solution = nbformat.read(ROOT / "solutions" / "06_cold_starts.ipynb", as_version=4)
    starter = nbformat.read(ROOT / "labs" / "06_cold_starts.ipynb", as_version=4)
    assert [c.source for c in starter.cells] == [c.source for c in starter_notebook(solution).cells]


def test_starter_cell_is_the_production_code_the_check_compares_with():
    starter = starter_source(_handler_cell(SOLUTION_NOTEBOOK))
    assert starter.startswith(ORIGINAL_SOURCE.rstrip("\n"))


def test_mutants_are_the_solution_with_one_planted_change():
    solution = set(_solution_source().splitlines())
    for mutant in MUTANTS:
        planted = mutant_source(mutant, solution_code(LAB.notebook, LAB.handler_file))
        body = planted.split('"""', 2)[2].splitlines()
        changed = [line for line in body if line not in solution]
        assert 1 <= len(changed) <= 6, (mutant.name, changed)


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, solution, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, Path(solution), seed)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda p: p.stem)
def test_planted_bug_is_caught_by_its_check(mutant: Path, server, tmp_path):
    doc = mutant.read_text().split('"""')[1]
    caught_by = re.search(r"Caught by: ([\w-]+)", doc).group(1)
    spec = next(c for c in LAB.checks if c.id == caught_by)
    results = run_checks([spec], Target(str(write_mutant(mutant, LAB, tmp_path)), server.url))
    assert results and not results[0].passed, f"{mutant.name} passed {caught_by}"


globals().update(self_test.wrong_design_tests(LAB, DESIGNS))
