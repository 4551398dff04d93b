"""Self-tests of lab 07's checks (see lab_self_tests): the solution gets full marks on the hidden
scenarios of the seeds test_grade_every_lab does not grade it under (which grades it public and
hidden under the first, and the starter to zero), and every planted bug fails the check aimed
at it (named in its docstring: "Caught by: CHECK") while passing a check about another part of
the file, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/07_cost/ (what a learner who half-read the lesson would write)
loses the points of the check it names on the public scenario and on the hidden ones of every
seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("07")
# a check about another part of lab07_cost.py than the one each check looks at
CONTROL = {"choose-memory": "pipeline-lambda", "pipeline-lambda": "choose-memory",
           "pipeline-logs": "choose-memory"}

globals().update(self_test.lab_self_test_suite(LAB, "07_cost", CONTROL))
