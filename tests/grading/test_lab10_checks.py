"""Self-tests of lab 10's checks, the front door (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the solution and
the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/10_front_door fails the check its docstring names while passing a control check about
another promise (the client's backoff for a bug in the functions, and the other way round). Each
plausible wrong design under wrong_designs/10_front_door/ loses the points of the check it
names on the public scenario and on the hidden ones of the other seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("10")
MUTANTS = mutant_specs("10_front_door")
DESIGNS = self_test.wrong_designs("10_front_door")
CONTROL = {   # aimed check -> a (quick) check about another promise, which the bug must pass
    **{c.id: "gives-up-with-jitter" for c in LAB.checks},
    "gives-up-with-jitter": "no-retry-client-errors",
}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
