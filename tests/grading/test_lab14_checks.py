"""Self-tests of lab 14's checks, the capstone (see lab_self_tests): every check judges one
invariant of a shared run of the learner's order system under a chaos schedule. The solution
gets full marks on the hidden schedules of the other seeds (test_grade_every_lab grades the
solution and starter notebooks under the first); every planted bug under mutants/14_capstone
fails the check its docstring names while passing a control check about another invariant;
each plausible wrong design under wrong_designs/14_capstone loses the points of the check it
names on the public schedule and on the hidden ones of the other seed; and a capstone tuned to
the public schedule (wrong_designs/14_capstone/tuned_to_the_public_schedule) passes every public
check and loses points under a hidden schedule.

A run mostly waits (a visibility timeout after the crash, the alarm's periods), so a planted
bug's target and control checks share one run, and bugs are judged side by side."""
from __future__ import annotations

from pathlib import Path

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from labkit.lessons import capstone_chaos as chaos
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import mutant_specs

LAB = get_lab("14")
BUGS = mutant_specs("14_capstone")
DESIGNS = self_test.wrong_designs("14_capstone")
TUNED = Path(__file__).parent / "wrong_designs" / "14_capstone" / "tuned_to_the_public_schedule"
CONTROL = {   # aimed check -> a check about another invariant, which the bug must pass
    "charged-exactly-once": "refunded-when-refused",
    "refunded-when-refused": "charged-exactly-once",
    "every-order-accounted": "charged-exactly-once",
    "alarm-when-it-should": "every-order-accounted",
    "warehouse-not-overloaded": "refunded-when-refused",
    "latency-slo": "charged-exactly-once",
    "bill-within-budget": "charged-exactly-once",
}


def test_solution_gets_full_marks_on_hidden_schedules(server, lab_code):
    self_test.solution_full_marks_hidden_side_by_side(LAB, server.url, lab_code["solution"],
                                                      self_test.OTHER_SEEDS)


def test_every_check_judges_the_same_schedules():
    """One run, every invariant: the checks draw the same hidden schedules from a seed (their
    seed group), other seeds draw others, and the public schedule is never one of them."""
    self_test.hidden_scenarios_depend_on_the_seed_only(LAB)
    from labkit.checks.framework import hidden_params
    drawn = {repr(hidden_params(c, "s1")) for c in LAB.checks}
    assert len(drawn) == 1
    schedules = hidden_params(LAB.checks[0], "s1")
    assert all(s["capacity"] < chaos.public_schedule()["capacity"] for s in schedules)


def test_a_capstone_tuned_to_the_public_schedule_fails_a_hidden_one(server, tmp_path):
    """Constant MaximumConcurrency 4 (the public warehouse's slots): full marks on the public
    schedule, and the warehouse overloaded under a hidden one."""
    [spec] = sorted(TUNED.glob("*.py"))
    code = self_test.write_design(LAB, spec, tmp_path / spec.stem)
    results = run_checks(LAB.checks, Target(str(code), server.url), seed=self_test.OTHER_SEEDS[0])
    public = [(r.check, r.observed) for r in results if not r.hidden and not r.passed]
    assert public == [], public
    aimed = self_test.design_caught_by(spec)
    hidden = {r.check: r for r in results if r.hidden}
    assert not hidden[aimed].passed and hidden[aimed].points == 0, hidden[aimed]
    assert "MaximumConcurrency 4" in hidden[aimed].observed


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, BUGS, DESIGNS, CONTROL))
