"""Self-tests of lab 01's checks: the solution gets full marks (public, and hidden under three
seeds), the starter gets zero, and every planted bug under mutants/01_queue_processor/ fails the
check its docstring names ("Caught by: CHECK") while passing another check, so each check is
shown to catch its own bug, not just broken code."""
from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, hidden_params, run_checks
from tests.grading.conftest import ROOT, handler_source, mutant_specs, write_mutant

LAB = get_lab("01")
MUTANTS = mutant_specs("01_queue_processor")


@pytest.fixture(scope="module")
def code(tmp_path_factory) -> dict[str, Path]:
    """The handler files the solution and the starter notebooks write."""
    paths = {}
    for kind, folder in (("solution", "solutions"), ("starter", "labs")):
        path = tmp_path_factory.mktemp(kind) / LAB.handler_file
        path.write_text(handler_source(ROOT / folder / LAB.notebook, LAB.handler_file))
        paths[kind] = path
    return paths


def test_solution_gets_full_marks_public_and_three_hidden_seeds(server, code):
    target = Target(str(code["solution"]), server.url)
    hidden = [c for c in LAB.checks if c.hidden is not None]
    # public runs once; hidden scenarios of two more seeds. The seeds run side by side: the
    # scenarios mostly wait for visibility timeouts to expire.
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(run_checks, LAB.checks, target, seed="autumn-2026")
        more = [pool.submit(run_checks, hidden, target, seed=seed) for seed in ("spring-2027", "7")]
        results = first.result() + [r for f in more for r in f.result() if r.hidden]
    failed = [(r.check, r.hidden, r.observed) for r in results if not r.passed]
    assert not failed
    assert sum(r.hidden for r in results) == 3 * len(hidden)
    assert sum(r.points for r in results if not r.hidden) == LAB.max_points(hidden=False)


def test_starter_gets_zero(server, code):
    results = run_checks(LAB.checks, Target(str(code["starter"]), server.url))
    assert [r.check for r in results if r.passed] == []
    assert sum(r.points for r in results) == 0


def test_hidden_scenarios_depend_on_the_seed_only():
    for spec in LAB.checks:
        assert hidden_params(spec, "s1") == hidden_params(spec, "s1")
        assert hidden_params(spec, "s1") != hidden_params(spec, "s2")
        assert spec.public not in hidden_params(spec, "s1")


def _target_check(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Caught by:" in doc, f"{path.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def test_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_planted_bug_fails_the_check_aimed_at_it(server, mutant, tmp_path):
    target_check = _target_check(mutant)
    # a handler bug must leave the configuration right, and a configuration bug the handler
    other = "reports-failures" if target_check == "configuration" else "configuration"
    aimed = [c for c in LAB.checks if c.id in (target_check, other)]
    assert target_check in {c.id for c in aimed}, f"no check named {target_check}"
    code = write_mutant(mutant, LAB, tmp_path)   # the solution with the bug planted
    results = {r.check: r for r in run_checks(aimed, Target(str(code), server.url))}
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    assert results[other].passed, "the bug must be specific, not total breakage"
