"""Self-tests of lab 11's checks, the data layer (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the solution and
the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/11_data_layer fails the check its docstring names while passing a control check about
another promise (the DynamoDB access pattern for a bug in the connections, and the other way
round). Each plausible wrong design under wrong_designs/11_data_layer/ loses the points of the
check it names on the public scenario and on the hidden ones of the other seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("11")
MUTANTS = mutant_specs("11_data_layer")
DESIGNS = self_test.wrong_designs("11_data_layer")
CONTROL = {   # aimed check -> a (quick) check about another promise, which the bug must pass
    **{c.id: "range-without-scan" for c in LAB.checks},
    "range-without-scan": "one-connection-per-environment",
}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
