"""Self-tests of lab 99's checks (issue 5, item 7): the solution gets full marks (public, and
hidden under three seeds), the starter gets zero, and every planted bug fails the check aimed
at it (named in its docstring: "Caught by: CHECK") while still passing the basic task-1 check,
so each check is shown to catch its own bug, not just broken code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from labkit.checks.framework import Target, run_checks
from tests.grading.conftest import mutant_specs, write_mutant

MUTANTS = mutant_specs("99_example")


def _by_check(results, hidden=False):
    return {r.check: r for r in results if r.hidden == hidden}


@pytest.mark.parametrize("seed", ["autumn-2026", "spring-2027", "7"])
def test_solution_gets_full_marks_public_and_hidden(server, lab99, lab99_code, seed):
    results = run_checks(lab99.checks, Target(str(lab99_code["solution"]), server.url), seed=seed)
    failed = [(r.check, r.hidden, r.observed) for r in results if not r.passed]
    assert not failed
    assert {r.hidden for r in results} == {False, True}
    assert sum(r.points for r in results) == lab99.max_points(hidden=False) * 2


def test_starter_gets_zero(server, lab99, lab99_code):
    results = run_checks(lab99.checks, Target(str(lab99_code["starter"]), server.url))
    assert [r.check for r in results if r.passed] == []
    assert sum(r.points for r in results) == 0


def test_hidden_scenarios_depend_on_the_seed_only(lab99):
    from labkit.checks.framework import hidden_params

    spec = lab99.checks_for("task-2")[0]
    assert hidden_params(spec, "s1") == hidden_params(spec, "s1")
    assert hidden_params(spec, "s1") != hidden_params(spec, "s2")
    assert hidden_params(spec, "s1") != [spec.public] * spec.hidden_count


def _target_check(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Caught by:" in doc, f"{path.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def test_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_planted_bug_fails_the_check_aimed_at_it(server, lab99, mutant, tmp_path):
    target_check = _target_check(mutant)
    aimed = [c for c in lab99.checks if c.id in (target_check, "charges-and-records")]
    assert target_check in {c.id for c in aimed}, f"no check named {target_check}"
    code = write_mutant(mutant, lab99, tmp_path)   # the solution with the bug planted
    results = _by_check(run_checks(aimed, Target(str(code), server.url)))
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    assert results["charges-and-records"].passed, "the bug must be specific, not total breakage"
