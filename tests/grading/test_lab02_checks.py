"""Self-tests of lab 02's checks (idempotency): the solution gets full marks (public, and hidden
under three seeds), the starter gets zero, and every planted bug in mutants/02_idempotency fails
the check aimed at it (named in its docstring: "Caught by: CHECK") while still passing the
basic repeated-deliveries check, so each check is shown to catch its own bug."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from tests.grading.conftest import ROOT, handler_source, mutant_specs, write_mutant

MUTANTS = mutant_specs("02_idempotency")
BASIC = "repeated-deliveries"


@pytest.fixture(scope="module")
def lab02():
    return get_lab("02")


@pytest.fixture(scope="module")
def lab02_code(tmp_path_factory, lab02):
    """Paths of the solution's and the starter's handler files, as their notebooks write them."""
    folder = tmp_path_factory.mktemp("lab02")
    os.chmod(folder, 0o755)
    paths = {}
    for kind, nb in (("solution", ROOT / "solutions" / lab02.notebook),
                     ("starter", ROOT / "labs" / lab02.notebook)):
        (folder / kind).mkdir()
        os.chmod(folder / kind, 0o755)
        path = folder / kind / lab02.handler_file
        path.write_text(handler_source(nb, lab02.handler_file))
        paths[kind] = path
    return paths


@pytest.mark.parametrize("seed", ["autumn-2026", "spring-2027", "7"])
def test_solution_gets_full_marks_public_and_hidden(server, lab02, lab02_code, seed):
    results = run_checks(lab02.checks, Target(str(lab02_code["solution"]), server.url), seed=seed)
    failed = [(r.check, r.hidden, r.observed) for r in results if not r.passed]
    assert not failed
    assert {r.hidden for r in results} == {False, True}
    assert sum(r.points for r in results) == lab02.max_points(hidden=False) * 2


def test_starter_gets_zero(server, lab02, lab02_code):
    results = run_checks(lab02.checks, Target(str(lab02_code["starter"]), server.url))
    assert [r.check for r in results if r.passed] == []
    assert sum(r.points for r in results) == 0


def _target_check(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Caught by:" in doc, f"{path.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def test_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_planted_bug_fails_the_check_aimed_at_it(server, lab02, mutant, tmp_path):
    target_check = _target_check(mutant)
    aimed = [c for c in lab02.checks if c.id in (target_check, BASIC)]
    assert target_check in {c.id for c in aimed} and target_check != BASIC
    code = write_mutant(mutant, lab02, tmp_path)   # the solution with the bug planted
    results = {r.check: r for r in run_checks(aimed, Target(str(code), server.url))}
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    assert results[BASIC].passed, "the bug must be specific, not total breakage"
