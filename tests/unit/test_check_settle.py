"""Scenario.settle: a check waits for the system to settle, and at its deadline goes on to the
verdicts that say what is missing, noting the wait that ran out in the evidence."""
from __future__ import annotations

from labkit.checks.framework import CheckSpec, Scenario, Target


def _scenario() -> Scenario:
    spec = CheckSpec("00", "task-1", "settles", "t", 1, "h", lambda s: None, {})
    return Scenario(spec, {}, Target("unused.py", None))


def test_settled_at_once():
    s = _scenario()
    assert s.settle(lambda: True, timeout=5, what="the queue to drain")
    assert "waited_out" not in s.evidence


def test_the_deadline_is_noted_and_the_check_goes_on():
    s = _scenario()
    assert not s.settle(lambda: False, timeout=0.3, interval=0.1, what="the queue to drain")
    assert s.evidence["waited_out"] == ["the queue to drain (0.3 s)"]
