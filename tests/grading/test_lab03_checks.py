"""Self-tests of lab 03's checks (errors and DLQs): the solution gets full marks (public, and
hidden under three seeds), the starter gets zero, and every planted bug in
mutants/03_errors_and_dlqs fails the check aimed at it (named in its docstring: "Caught by:
CHECK") while still passing the basic permanent-parked check, so each check is shown to catch
its own bug, not just broken code."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, hidden_params, run_checks
from tests.grading.conftest import ROOT, handler_source, mutant_specs, write_mutant

MUTANTS = mutant_specs("03_errors_and_dlqs")
BASIC = "permanent-parked"


@pytest.fixture(scope="session")
def lab03():
    return get_lab("03")


@pytest.fixture(scope="session")
def lab03_code(tmp_path_factory, lab03):
    """The solution's and the starter's handler files, as their notebooks write them."""
    folder = tmp_path_factory.mktemp("lab03")
    os.chmod(folder, 0o755)
    paths = {}
    for kind, nb in (("solution", ROOT / "solutions" / lab03.notebook),
                     ("starter", ROOT / "labs" / lab03.notebook)):
        (folder / kind).mkdir()
        os.chmod(folder / kind, 0o755)
        path = folder / kind / lab03.handler_file
        path.write_text(handler_source(nb, lab03.handler_file))
        paths[kind] = path
    return paths


@pytest.mark.parametrize("seed", ["autumn-2026", "spring-2027", "7"])
def test_solution_gets_full_marks_public_and_hidden(server, lab03, lab03_code, seed):
    results = run_checks(lab03.checks, Target(str(lab03_code["solution"]), server.url), seed=seed)
    failed = [(r.check, r.hidden, r.observed) for r in results if not r.passed]
    assert not failed
    assert {r.hidden for r in results} == {False, True}
    assert sum(r.points for r in results) == lab03.max_points(hidden=False) * 2


def test_starter_gets_zero(server, lab03, lab03_code):
    results = run_checks(lab03.checks, Target(str(lab03_code["starter"]), server.url))
    assert [r.check for r in results if r.passed] == []
    assert sum(r.points for r in results) == 0


def test_hidden_scenarios_depend_on_the_seed_only(lab03):
    for spec in lab03.checks:
        assert hidden_params(spec, "s1") == hidden_params(spec, "s1")
        assert hidden_params(spec, "s1") != hidden_params(spec, "s2")


def _target_check(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Caught by:" in doc, f"{path.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def test_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_planted_bug_fails_the_check_aimed_at_it(server, lab03, mutant, tmp_path):
    target_check = _target_check(mutant)
    aimed = [c for c in lab03.checks if c.id in (target_check, BASIC)]
    assert target_check in {c.id for c in aimed} and target_check != BASIC
    code = write_mutant(mutant, lab03, tmp_path)   # the solution with the bug planted
    results = {r.check: r for r in run_checks(aimed, Target(str(code), server.url))}
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    assert results[BASIC].passed, "the bug must be specific, not total breakage"
