"""Self-tests of lab 00's checks (see lab_self_tests): the solution gets full marks on the
hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug under
mutants/00_start_here/ fails the check its docstring names; a bug aimed at init or refresh still
answers right, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/00_start_here/ (what a learner who half-read the lesson would
write) loses the points of the check it names on the public scenario and on the hidden ones of
the other seed."""
from __future__ import annotations

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test

LAB = get_lab("00")
# every bug must still answer right, except one in the answers (nothing else to compare with)
CONTROL = {"init-once": "answers-right", "refreshes-config": "answers-right", "answers-right": None}

globals().update(self_test.lab_self_test_suite(LAB, "00_start_here", CONTROL))
