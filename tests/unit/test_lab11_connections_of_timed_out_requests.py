"""Lab 11's one-connection-per-environment verdict when requests timed out: their environments
opened connections that no answer names, so extra connections within that many are the machine's
doing (inconclusive, run again); more than that is still the learner's (a connection per request)."""
from __future__ import annotations

import pandas as pd
import pytest

from labkit.checks.framework import CheckSpec, Inconclusive, Mismatch, Scenario, Target
from labkit.checks.lab_11_data_layer import _expect_one_each

TIMED_OUT = "RequestId: r Error: Task timed out after 10.00 seconds"


def _burst() -> pd.DataFrame:
    """Run 26c's burst: 8 answers from 4 environments, 4 requests timed out."""
    ok = [{"outcome": "ok", "env": env, "error": None} for env in ("a", "a", "a", "b", "b", "c", "c", "d")]
    return pd.DataFrame(ok + [{"outcome": "error", "env": None, "error": TIMED_OUT}] * 4)


def _scenario() -> Scenario:
    return Scenario(CheckSpec("11", "task-1", "c", "t", 1, "h", lambda s: None, {}), {},
                    Target("unused.py", None))


def test_extra_connections_of_timed_out_environments_are_inconclusive():
    with pytest.raises(Inconclusive, match="timed out"):
        _expect_one_each(_scenario(), _burst(), opened=5, when="a burst")


def test_a_connection_per_request_is_still_caught():
    with pytest.raises(Mismatch, match="opened 12 connections"):
        _expect_one_each(_scenario(), _burst(), opened=12, when="a burst")
