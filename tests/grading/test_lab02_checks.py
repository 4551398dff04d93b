"""Self-tests of lab 02's checks, idempotency (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/02_idempotency fails the check its docstring names while still passing the basic
repeated-deliveries check (a bug aimed at it: tampered-retry), so each check is shown to catch its own bug. Each plausible wrong
design under wrong_designs/02_idempotency/ (what a learner who half-read the lesson would write)
loses the points of the check it names on the public scenario and on the hidden ones of every
seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("02")
MUTANTS = mutant_specs("02_idempotency")
DESIGNS = self_test.wrong_designs("02_idempotency")
BASIC = "repeated-deliveries"   # the control check every planted bug must still pass...
# ...but one aimed at it: the tampered retry (one order, one environment) counts charges too
CONTROL = {**{c.id: BASIC for c in LAB.checks}, BASIC: "tampered-retry"}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
