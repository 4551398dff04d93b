"""Self-tests of lab 00's checks (see lab_self_tests): the solution gets full marks on the
hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug under
mutants/00_start_here/ fails the check its docstring names; a bug aimed at init or refresh still
answers right, so each check is shown to catch its own bug, not just broken code. Each plausible
wrong design under wrong_designs/00_start_here/ (what a learner who half-read the lesson would
write) loses the points of the check it names on the public scenario and on the hidden ones of
the other seed."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("00")
MUTANTS = mutant_specs("00_start_here")
DESIGNS = self_test.wrong_designs("00_start_here")
# every bug must still answer right, except one in the answers (nothing else to compare with)
CONTROL = {"init-once": "answers-right", "refreshes-config": "answers-right", "answers-right": None}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))
