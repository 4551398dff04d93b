"""Self-tests of lab 99's checks (issue 5, item 7; see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug fails
the check aimed at it (named in its docstring: "Caught by: CHECK") while still passing the basic
task-1 check, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/99_example/ (what a learner who half-read the lesson would
write) loses the points of the check it names on the public scenario and on the hidden ones of
the other seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("99")
MUTANTS = mutant_specs("99_example")
DESIGNS = self_test.wrong_designs("99_example")
BASIC = "charges-and-records"   # task 1: the control check every planted bug must still pass
# a bug aimed at task 1 has none: every other check asserts task 1's promise too
# (_expect_charged_once: charged once, answered, recorded)
CONTROL = {**{c.id: BASIC for c in LAB.checks}, BASIC: None}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
