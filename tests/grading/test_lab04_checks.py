"""Self-tests of lab 04's checks, fan-out/fan-in (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/04_fan_out_fan_in fails the check its docstring names while still passing the basic
one-report check (a bug aimed at it: chunk-partials), so each check is shown to catch its own bug, not just broken code. Each
plausible wrong design under wrong_designs/04_fan_out_fan_in/ (what a learner who half-read the
lesson would write) loses the points of the check it names on the public scenario and on the
hidden ones of the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("04")
BASIC = "one-report"   # the control check every planted bug must still pass...
# ...but one aimed at it: chunk-partials reads the partials, never the report
CONTROL = self_test.one_basic_control(LAB, BASIC, "chunk-partials")

globals().update(self_test.lab_self_test_suite(LAB, "04_fan_out_fan_in", CONTROL))
