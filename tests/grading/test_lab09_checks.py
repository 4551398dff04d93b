"""Self-tests of lab 09's checks (concurrency and backpressure): the solution gets full marks
on the hidden scenarios of the seeds test_grade_every_lab does not grade it under (which also
grades the starter, to zero), and every planted bug under
mutants/09_concurrency_backpressure/ fails the check its docstring names ("Caught by: CHECK")
while passing another check, so each check is shown to catch its own bug, not just broken code.
Each plausible wrong design under wrong_designs/09_concurrency_backpressure/ (what a learner who
half-read the lesson would write) loses the points of the check it names on the public scenario
and on the hidden ones of the other seed (the designs judged side by side, as the planted bugs).

The planted bugs' scenarios mostly wait (a backlog draining through a slow downstream,
visibility timeouts), so they start together in one module fixture and the tests read their
results; the solution runs alone."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs, write_mutant
from tests.grading.lab_self_tests import caught_by, mutant_ids


LAB = get_lab("09")
MUTANTS = mutant_specs("09_concurrency_backpressure")
DESIGNS = self_test.wrong_designs("09_concurrency_backpressure")
# a check about another promise than the one each check looks at, which a planted bug must pass
CONTROL = {"peak-within-limit": "no-overload-errors", "no-overload-errors": "peak-within-limit",
           "drained-in-time": "peak-within-limit"}
# reserved_only throttles its pollers in every scenario with a backlog, so any control check takes
# several visibility timeouts (the slowest run of the file): the evidence shows it is specific
NO_CONTROL = {"reserved_only"}


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory) -> dict[str, list]:
    """Each planted bug against its target check and a control, side by side (the solution is
    judged alone: its deadlines and peaks depend on the machine's load)."""
    jobs = {}
    for mutant in MUTANTS:
        target = caught_by(mutant)
        wanted = {target} if mutant.stem in NO_CONTROL else {target, CONTROL[target]}
        path = write_mutant(mutant, LAB, tmp_path_factory.mktemp(mutant.stem))
        jobs[mutant.stem] = (path, [c for c in LAB.checks if c.id in wanted])
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(run_checks, specs, Target(str(path), server.url))
                   for name, (path, specs) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab_code["solution"], seed)


@pytest.mark.parametrize("mutant", MUTANTS, ids=mutant_ids(MUTANTS))
def test_planted_bug_fails_the_check_aimed_at_it(runs, mutant):
    target_check = caught_by(mutant)
    results = {r.check: r for r in runs[mutant.stem]}
    assert target_check in results, f"no check named {target_check}"
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed      # the learner is told what was observed
    # the bug must be specific, not total breakage: configure ran and created the mapping
    evidence = results[target_check].evidence[0]["evidence"]
    assert evidence["configure"]["status"] == "ok" and len(evidence["mappings"]) == 1
    if mutant.stem not in NO_CONTROL:
        assert results[CONTROL[target_check]].passed, "the bug must be specific, not total breakage"


# the wrong designs are judged side by side: a design that lets too many run at once may overlap
# fewer on a busy machine, but the checks it is aimed at also read back the configured caps
# (peak-within-limit: MaximumConcurrency and reserved concurrency; no-overload-errors: reserved
# concurrency)
globals().update(self_test.wrong_design_tests(LAB, DESIGNS))
