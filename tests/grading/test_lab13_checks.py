"""Self-tests of lab 13's checks, testing serverless code (see lab_self_tests): the learner's
submission is a test file, and each check runs one of its classes against the bookings service,
a rewrite of it and planted bugs in it. The solution's tests get full marks on the hidden
scenarios of the other seeds (test_grade_every_lab grades the solution and the starter
notebooks, public and hidden, under the first); tests that pass everything or fail everything
get no points on any check; every planted bug in the learner's tests under
mutants/13_testing_serverless_code fails the check its docstring names while passing a control
check about another tier; each plausible wrong design under
wrong_designs/13_testing_serverless_code loses the points of the check it names on the public
scenario and on the hidden ones of the other seed."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("13")
BUGS = mutant_specs("13_testing_serverless_code")
DESIGNS = self_test.wrong_designs("13_testing_serverless_code")
CONTROL = {   # aimed check -> a check about another tier, which the bug must pass
    "unit-tests": "integration-tests",
    "integration-tests": "unit-tests",
    "end-to-end-test": "unit-tests",
}


def _every_class(assertion: str) -> str:
    return "".join(f"class {name}:\n    def test_it(self):\n        assert {assertion}\n\n\n"
                   for name in ("TestUnit", "TestIntegration", "TestEndToEnd"))


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


def test_tests_that_pass_everything_or_fail_everything_get_no_points(server, tmp_path):
    """A test file that passes on every implementation (it asserts nothing) catches no bug; one
    that fails on every implementation raises a false alarm on correct code: no points either
    way, on any check."""
    os.chmod(tmp_path, 0o755)
    files = {}
    for kind, assertion in (("passes", "True"), ("fails", "False")):
        (tmp_path / kind).mkdir(mode=0o755)
        files[kind] = tmp_path / kind / LAB.handler_file
        files[kind].write_text(_every_class(assertion))
    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = dict(zip(files, pool.map(
            lambda path: run_checks(LAB.checks, Target(str(path), server.url)), files.values())))
    for kind, results in graded.items():
        assert [(r.check, r.points) for r in results if r.passed or r.points] == [], kind
        assert all(r.observed for r in results), kind
    assert all("to fail on that bug" in r.expected for r in graded["passes"])   # a bug not caught
    assert all("on correct code" in r.expected for r in graded["fails"])        # a false alarm


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, BUGS, DESIGNS, CONTROL))
