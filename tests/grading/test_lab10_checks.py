"""Self-tests of lab 10's checks, the front door (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the solution and
the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/10_front_door fails the check its docstring names while passing a control check about
another promise (the client's backoff for a bug in the functions, and the other way round). Each
plausible wrong design under wrong_designs/10_front_door/ loses the points of the check it
names on the public scenario and on the hidden ones of the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("10")
# the (quick) control check about another promise, which every planted bug must pass, and
# the control of a bug aimed at it
CONTROL = self_test.one_basic_control(LAB, "gives-up-with-jitter", "no-retry-client-errors")

globals().update(self_test.lab_self_test_suite(LAB, "10_front_door", CONTROL))
