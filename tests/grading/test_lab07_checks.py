"""Self-tests of lab 07's checks: the solution passes every check (public, and hidden under a
seed), the starter passes none, and every planted bug fails the check aimed at it (named in
its docstring: "Caught by: CHECK") while passing a check about another part of the file, so
each check is shown to catch its own bug, not just broken code."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, hidden_params, run_checks
from tests.grading.conftest import ROOT, handler_source, mutant_specs, write_mutant

MUTANTS = mutant_specs("07_cost")
# a check about another part of lab07_cost.py than the one each check looks at
CONTROL = {"choose-memory": "pipeline-lambda", "pipeline-lambda": "choose-memory",
           "pipeline-logs": "choose-memory"}


@pytest.fixture(scope="module")
def lab07():
    return get_lab("07")


@pytest.fixture(scope="module")
def lab07_code(tmp_path_factory, lab07):
    folder = tmp_path_factory.mktemp("lab07")
    os.chmod(folder, 0o755)
    paths = {}
    for kind, folder_name in (("solution", "solutions"), ("starter", "labs")):
        (folder / kind).mkdir()
        os.chmod(folder / kind, 0o755)
        path = folder / kind / lab07.handler_file
        path.write_text(handler_source(ROOT / folder_name / lab07.notebook, lab07.handler_file))
        paths[kind] = path
    return paths


def test_solution_passes_public_and_hidden(server, lab07, lab07_code):
    results = run_checks(lab07.checks, Target(str(lab07_code["solution"]), server.url),
                         seed="autumn-2026")
    failed = [(r.check, r.hidden, r.observed, r.expected) for r in results if not r.passed]
    assert not failed
    assert {r.hidden for r in results} == {False, True}


def test_starter_passes_nothing(server, lab07, lab07_code):
    results = run_checks(lab07.checks, Target(str(lab07_code["starter"]), server.url))
    assert [r.check for r in results if r.passed] == []


def test_hidden_workloads_depend_on_the_seed_only(lab07):
    for spec in lab07.checks:
        assert hidden_params(spec, "s1") == hidden_params(spec, "s1")
        assert hidden_params(spec, "s1") != hidden_params(spec, "s2")


def _target_check(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Caught by:" in doc, f"{path.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def test_at_least_three_planted_bugs():
    assert len(MUTANTS) >= 3


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_planted_bug_fails_the_check_aimed_at_it(server, lab07, mutant, tmp_path):
    target_check = _target_check(mutant)
    aimed = [c for c in lab07.checks if c.id in (target_check, CONTROL[target_check])]
    code = write_mutant(mutant, lab07, tmp_path)   # the solution with the bug planted
    results = {r.check: r for r in run_checks(aimed, Target(str(code), server.url))}
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed      # the learner is told what was observed
    assert results[CONTROL[target_check]].passed, "the bug must be specific, not total breakage"
