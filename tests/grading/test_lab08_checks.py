"""Self-tests of lab 08's checks, observability (see lab_self_tests): the solution gets full
marks on the hidden scenarios of the other seeds (test_grade_every_lab grades the
solution and the starter notebooks, public and hidden, under the first), and every planted bug in
mutants/08_observability fails the check its docstring names while still passing a control check
(the basic json-lines check; same-id-every-hop for a bug aimed at json-lines), so each check is
shown to catch its own bug. Task 4's plausible wrong designs
under wrong_designs/08_observability (a filter pattern or an Insights query that matches too
much or too little) lose their check's points on the public run and on the hidden runs of the other
seed. Task 5's planted bugs and wrong designs (annotations per batch instead of per record,
annotating the accepted orders only, outcome as metadata, searching for faults; an error-rate
alarm that never fires, a count alarm, missing data treated as breaching) run on the backend:
the traces through X-Ray, the alarms through the backend's evaluator."""
from __future__ import annotations

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("08")
MUTANTS = mutant_specs("08_observability")
BASIC = "json-lines"   # the control check every planted bug must still pass...
# ...but one aimed at it: its lines still carry the right correlation ids
CONTROL = {**{c.id: BASIC for c in LAB.checks}, BASIC: "same-id-every-hop"}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


@pytest.fixture(scope="module")
def planted_bugs(request, server, tmp_path_factory):
    return self_test.planted_bug_verdicts(request, LAB, server.url, tmp_path_factory,
                                          control=CONTROL)


@pytest.mark.parametrize("mutant", MUTANTS, ids=self_test.mutant_ids(MUTANTS))
def test_planted_bug_fails_the_check_aimed_at_it(planted_bugs, mutant):
    planted_bugs.of(mutant)


# -- task 4: the filter pattern and the Insights query, public and hidden --------------------------

DESIGNS = self_test.wrong_designs("08_observability")


TASK_4 = {"failed-orders-pattern", "failed-orders-query"}
TASK_5 = {"failed-order-traces", "error-rate-alarm"}
TASKS_2_3 = {"id-at-the-edge", "same-id-every-hop", "failed-request-path"}


def test_task_4_has_designs_that_match_too_much_and_too_little():
    docs: dict[str, list[str]] = {}
    for design in DESIGNS:
        docs.setdefault(self_test.design_caught_by(design), []).append(design.read_text())
    for check in TASK_4:
        assert any("Matches too much" in t for t in docs[check]), check
        assert any("Matches too little" in t for t in docs[check]), check
    assert set(docs) == TASK_4 | TASK_5 | TASKS_2_3 | {BASIC}


def test_task_5_checks_each_catch_a_planted_bug_and_a_wrong_design():
    """Task 5's checks drive the backend (traces, alarm evaluation): each is shown to fail on a
    bug planted in the solution and on a plausible wrong design, public and hidden."""
    assert TASK_5 <= {self_test.caught_by(m) for m in MUTANTS}
    assert TASK_5 <= {self_test.design_caught_by(d) for d in DESIGNS}


@pytest.fixture(scope="module")
def wrong_designs(request, server, tmp_path_factory):
    return self_test.wrong_design_verdicts(request, LAB, server.url, tmp_path_factory)


@pytest.mark.parametrize("design", DESIGNS, ids=self_test.design_ids(DESIGNS))
def test_wrong_design_loses_the_points_public_and_hidden(wrong_designs, design):
    """The pattern or query that matches too much or too little fails its check on the public
    run and on the hidden runs of the other seed: the look-alikes and both failing hops are in
    every run the checks generate."""
    wrong_designs.of(design)
