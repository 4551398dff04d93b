"""A check that provokes a race counts it only when the racers really overlapped
(Scenario.expect_raced): run one after another, the run is inconclusive, never passed."""
from __future__ import annotations

import pytest

from labkit.checks.framework import Mismatch, Scenario
from labkit.checks.sandbox import Invocation


def invocation(started: float, ended: float) -> Invocation:
    return Invocation("ok", payload={}, started=started, ended=ended)


def scenario() -> Scenario:
    return Scenario.__new__(Scenario)   # expect_raced reads nothing of the scenario's state


def test_overlapping_copies_are_a_race():
    scenario().expect_raced("copies of ord-1", [invocation(1.0, 2.0), invocation(1.5, 2.5)])


def test_copies_run_one_after_another_are_inconclusive():
    with pytest.raises(Mismatch, match="inconclusive: the copies of ord-1 did not run at the same time"):
        scenario().expect_raced("copies of ord-1", [invocation(1.0, 2.0), invocation(2.1, 3.0)])


def test_two_of_several_running_at_once_are_a_race():
    scenario().expect_raced("workers", [invocation(0, 1), invocation(2, 4), invocation(3, 5)])
    scenario().expect_raced("workers", [invocation(0, 10), invocation(2, 3), invocation(4, 5)])


def test_several_one_after_another_are_inconclusive():
    with pytest.raises(Mismatch, match="inconclusive"):
        scenario().expect_raced("workers", [invocation(4, 5), invocation(0, 1), invocation(2, 3)])


def test_an_environment_that_never_started_is_left_to_the_other_verdicts():
    never = Invocation("init_error", error={"errorType": "Runtime.ImportModuleError"})
    scenario().expect_raced("copies", [invocation(1.0, 2.0), never])
