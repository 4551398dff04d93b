"""Self-tests of lab 02's checks, idempotency (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/02_idempotency fails the check its docstring names while still passing the basic
repeated-deliveries check (a bug aimed at it: tampered-retry), so each check is shown to catch its own bug. Each plausible wrong
design under wrong_designs/02_idempotency/ (what a learner who half-read the lesson would write)
loses the points of the check it names on the public scenario and on the hidden ones of every
seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("02")
BASIC = "repeated-deliveries"   # the control check every planted bug must still pass...
# ...but one aimed at it: the tampered retry (one order, one environment) counts charges too
CONTROL = self_test.one_basic_control(LAB, BASIC, "tampered-retry")

globals().update(self_test.lab_self_test_suite(LAB, "02_idempotency", CONTROL))
