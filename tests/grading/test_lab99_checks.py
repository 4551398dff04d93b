"""Self-tests of lab 99's checks (issue 5, item 7; see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug fails
the check aimed at it (named in its docstring: "Caught by: CHECK") while still passing the basic
task-1 check, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/99_example/ (what a learner who half-read the lesson would
write) loses the points of the check it names on the public scenario and on the hidden ones of
the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("99")
BASIC = "charges-and-records"   # task 1: the control check every planted bug must still pass
# a bug aimed at task 1 has none: every other check asserts task 1's promise too
# (_expect_charged_once: charged once, answered, recorded)
CONTROL = self_test.one_basic_control(LAB, BASIC, None)

globals().update(self_test.lab_self_test_suite(LAB, "99_example", CONTROL))
