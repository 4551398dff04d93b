"""Self-tests of lab 01's checks (see lab_self_tests): the solution gets full marks on the
hidden scenarios of the seeds test_grade_every_lab does not grade it under (it grades public and hidden of the first, and the starter), and every planted bug under
mutants/01_queue_processor/ fails the check its docstring names while passing another check, so
each check is shown to catch its own bug, not just broken code. Each plausible wrong design under
wrong_designs/01_queue_processor/ (what a learner who half-read the lesson would write) loses the
points of the check it names on the public scenario and on the hidden ones of the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("01")
MUTANTS = mutant_specs("01_queue_processor")
DESIGNS = self_test.wrong_designs("01_queue_processor")
# a handler bug must leave the configuration right, and a configuration bug the handler
CONTROL = {"configuration": "reports-failures", "reports-failures": "configuration",
           "mixed-batches": "configuration"}


def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code):
    # the scenarios mostly wait for visibility timeouts to expire: the seeds run side by side
    self_test.solution_full_marks_hidden_side_by_side(LAB, server.url, lab_code["solution"],
                                                      self_test.OTHER_SEEDS)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
