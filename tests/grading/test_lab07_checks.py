"""Self-tests of lab 07's checks (see lab_self_tests): the solution gets full marks on the hidden
scenarios of the seeds test_grade_every_lab does not grade it under (which grades it public and
hidden under the first, and the starter to zero), and every planted bug fails the check aimed
at it (named in its docstring: "Caught by: CHECK") while passing a check about another part of
the file, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/07_cost/ (what a learner who half-read the lesson would write)
loses the points of the check it names on the public scenario and on the hidden ones of every
seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("07")
MUTANTS = mutant_specs("07_cost")
DESIGNS = self_test.wrong_designs("07_cost")
# a check about another part of lab07_cost.py than the one each check looks at
CONTROL = {"choose-memory": "pipeline-lambda", "pipeline-lambda": "choose-memory",
           "pipeline-logs": "choose-memory"}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
