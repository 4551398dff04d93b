"""Self-tests of lab 03's checks, errors and DLQs (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the seeds test_grade_every_lab does not grade it under (it grades public and hidden of the first, and the starter), and every planted bug in
mutants/03_errors_and_dlqs fails the check its docstring names while still passing the basic
permanent-parked check (a bug aimed at it: nothing-lost), so each check is shown to catch its own bug, not just broken code. Each
plausible wrong design under wrong_designs/03_errors_and_dlqs/ (what a learner who half-read the
lesson would write) loses the points of the check it names on the public scenario and on the
hidden ones of the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("03")
BASIC = "permanent-parked"   # the control check every planted bug must still pass...
# ...but one aimed at it: nothing-lost parks bad data too, without reading its attributes
CONTROL = self_test.one_basic_control(LAB, BASIC, "nothing-lost")

globals().update(self_test.lab_self_test_suite(LAB, "03_errors_and_dlqs", CONTROL))
