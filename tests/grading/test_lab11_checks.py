"""Self-tests of lab 11's checks, the data layer (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the solution and
the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/11_data_layer fails the check its docstring names while passing a control check about
another promise (the DynamoDB access pattern for a bug in the connections, and the other way
round). Each plausible wrong design under wrong_designs/11_data_layer/ loses the points of the
check it names on the public scenario and on the hidden ones of the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("11")
# the (quick) control check about another promise, which every planted bug must pass, and
# the control of a bug aimed at it
CONTROL = self_test.one_basic_control(LAB, "range-without-scan", "one-connection-per-environment")

globals().update(self_test.lab_self_test_suite(LAB, "11_data_layer", CONTROL))
