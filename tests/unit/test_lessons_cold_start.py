"""Lesson 06 helpers: traffic shapes, concurrent firing, joining calls to REPORT lines, models,
reading `python -X importtime`, and the provisioned-concurrency plumbing."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from labkit.deploy import deploy_function
from labkit.lessons import run_prefix, wait_for_reports
from labkit.lessons.cold_start_lesson import (
    SEED_004_COLD_STARTS, burst, environments_left, expected_cold_share, fire_at,
    fresh_environments, join_reports, joined_with_reports, latency_summary, provisioned_ready,
    ramp_arrivals, remove_provisioned_concurrency, slowest_imports, timed_invoke,
)


# -- traffic shapes ----------------------------------------------------------------------------

def test_ramp_arrivals_are_sorted_within_the_window_and_reproducible():
    times = ramp_arrivals(2, 25, seconds=4, seed=3)
    assert times == sorted(times) and all(0 <= t <= 4 for t in times)
    assert ramp_arrivals(2, 25, seconds=4, seed=3) == times
    assert ramp_arrivals(2, 25, seconds=4, seed=4) != times


def test_ramp_arrivals_follow_the_rising_rate():
    """Expected count = integral of the rate = (2 + 25) / 2 x 4 s = 54 requests, of which
    (2 + 13.5) / 2 x 2 s = 15.5 in the first half: a ramp, not a flat rate."""
    runs = [ramp_arrivals(2, 25, seconds=4, seed=s) for s in range(60)]
    mean_count = np.mean([len(r) for r in runs])
    first_half = np.mean([sum(t < 2 for t in r) for r in runs])
    assert 54 * 0.9 < mean_count < 54 * 1.1
    assert 15.5 * 0.8 < first_half < 15.5 * 1.2


@pytest.mark.parametrize("args", [(1, 2, 0), (-1, 2, 3), (0, 0, 3)])
def test_ramp_arrivals_rejects_impossible_traffic(args):
    with pytest.raises(ValueError):
        ramp_arrivals(*args)


# -- firing requests ---------------------------------------------------------------------------

def test_burst_runs_every_call_at_the_same_time():
    # Each call waits for all the others: this only completes if all n are in flight at once.
    n = 6
    everyone = threading.Barrier(n, timeout=30)

    def call(i):
        everyone.wait()
        return {"i": i}

    assert burst(call, n) == [{"i": i} for i in range(n)]


def test_fire_at_does_not_let_a_slow_request_hold_back_the_next_one():
    second_sent = threading.Event()

    def call(i):
        if i == 0:  # a slow (cold) request: it returns only once request 1 has been sent
            assert second_sent.wait(30), "request 1 waited for request 0 to finish"
        else:
            second_sent.set()
        return {"i": i}

    rows = fire_at(call, [0.0, 0.05, 0.1])
    assert [r["i"] for r in rows] == [0, 1, 2]
    sent = [r["sent_s"] for r in rows]
    assert sent == sorted(sent) and all(s >= at for s, at in zip(sent, [0.0, 0.05, 0.1]))


# -- joining calls to REPORT lines -------------------------------------------------------------

def _reports(*rows):
    return pd.DataFrame([{"request_id": rid, "cold": cold, "init_ms": init, "duration_ms": 5.0,
                          "billed_ms": 5.0, "log_stream": "s"} for rid, cold, init in rows])


def test_join_reports_labels_each_call_cold_or_warm():
    calls = [{"request_id": "a", "latency_ms": 300.0}, {"request_id": "b", "latency_ms": 8.0}]
    joined = join_reports(calls, _reports(("b", False, float("nan")), ("a", True, 250.0)))
    assert joined["cold"].tolist() == [True, False]
    assert joined.loc[0, "init_ms"] == 250.0 and joined["cold"].dtype == bool


def test_join_reports_refuses_calls_without_their_report_line():
    calls = [{"request_id": "a", "latency_ms": 1.0}, {"request_id": "late", "latency_ms": 1.0}]
    with pytest.raises(ValueError, match="1 call"):
        join_reports(calls, _reports(("a", True, 1.0)))


def test_timed_invoke_request_id_is_the_report_lines_request_id(aws):
    """AWS: the Invoke response's x-amzn-RequestId is the invocation's request id, the one in
    its START/END/REPORT lines (Lambda Developer Guide, "Using CloudWatch Logs with Lambda").
    The embedded backend also sends moto's own id; timed_invoke keeps the invocation's."""
    lam, logs, name = aws("lambda"), aws("logs"), run_prefix("t-l06-invoke")
    deploy_function(lam, name, "def handler(event, context):\n    return {'got': event}\n")
    calls = [timed_invoke(lam, name, {"n": i}) for i in range(2)]
    assert [c["result"] for c in calls] == [{"got": {"n": 0}}, {"got": {"n": 1}}]
    assert all(c["error"] is None and c["latency_ms"] > 0 for c in calls)
    joined = join_reports(calls, wait_for_reports(logs, name, 2))
    assert joined["cold"].tolist() == [True, False]


# -- summaries and models ----------------------------------------------------------------------

def test_latency_summary_splits_cold_and_warm():
    frame = pd.DataFrame({"cold": [True, True, False, False, False],
                          "latency_ms": [400.0, 600.0, 10.0, 20.0, 30.0]})
    summary = latency_summary(frame)
    assert summary.loc["cold", "count"] == 2 and summary.loc["warm", "count"] == 3
    assert summary.loc["cold", "p50_ms"] == 500.0 and summary.loc["warm", "p50_ms"] == 20.0
    assert summary.loc["all", "p99_ms"] == np.percentile(frame.latency_ms, 99)


def test_latency_summary_of_a_burst_without_cold_starts():
    summary = latency_summary(pd.DataFrame({"cold": [False, False], "latency_ms": [1.0, 3.0]}))
    assert summary.loc["cold", "count"] == 0 and np.isnan(summary.loc["cold", "p50_ms"])


def test_environments_left_after_idle():
    assert environments_left(2, warm_before=8) == 8                  # within the keep-alive
    assert environments_left(10, warm_before=8) == 0                 # reaped
    assert environments_left(10, warm_before=8, warming_ping=True) == 1
    assert environments_left(10, warm_before=8, keep_alive_min=15) == 8


def test_expected_cold_share_serves_provisioned_then_warm_then_cold():
    assert expected_cold_share(10) == 1.0
    assert expected_cold_share(10, provisioned=3) == 0.7
    assert expected_cold_share(10, provisioned=3, warm=2) == 0.5
    assert expected_cold_share(4, provisioned=6) == 0.0
    with pytest.raises(ValueError):
        expected_cold_share(0)


def test_seed_004_table_is_the_published_python_row():
    """Seed 004 ("$20,400 a month"): Python 3.12 cold starts 380/1100 ms at 128 MB,
    210/520 at 512 MB, 140/340 at 1024 MB (p50/p99, real AWS, late 2025)."""
    python = SEED_004_COLD_STARTS[SEED_004_COLD_STARTS.runtime == "Python 3.12"]
    assert python[["memory_mb", "p50_ms", "p99_ms"]].values.tolist() == [
        [128, 380, 1100], [512, 210, 520], [1024, 140, 340]]


# -- where init time goes: python -X importtime ------------------------------------------------

IMPORTTIME = """import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      2000 |       2000 |     botocore.utils
import time:      1500 |       9500 |   botocore
import time:       300 |        300 | json
import time:       700 |      12000 | boto3
some other stderr line
"""


def test_slowest_imports_keeps_import_order_and_indentation():
    top = slowest_imports(IMPORTTIME, n=3)
    module = "module (indented = imported by the one above)"
    assert top[module].tolist() == ["    botocore.utils", "  botocore", "boto3"]
    assert top["cumulative_ms"].tolist() == [2.0, 9.5, 12.0]


def test_slowest_imports_reads_a_real_profile():
    import subprocess
    import sys

    profile = subprocess.run([sys.executable, "-X", "importtime", "-c", "import boto3"],
                             capture_output=True, text=True).stderr
    top = slowest_imports(profile, n=8)
    assert len(top) == 8 and (top["cumulative_ms"] > 0).all()
    assert "boto3" in top.iloc[:, 0].str.strip().tolist()   # what the lesson looks for


# -- provisioned concurrency plumbing ----------------------------------------------------------

class _ProvisionedStatuses:
    """get_provisioned_concurrency_config answering the given statuses in turn."""

    def __init__(self, *statuses):
        self.statuses, self.calls = list(statuses), 0

    def get_provisioned_concurrency_config(self, FunctionName, Qualifier):
        self.calls += 1
        return {"Status": self.statuses.pop(0), "AllocatedProvisionedConcurrentExecutions": 2}


def test_provisioned_ready_waits_for_ready():
    lam = _ProvisionedStatuses("IN_PROGRESS", "READY")
    assert provisioned_ready(lam, "f", timeout=10)["Status"] == "READY" and lam.calls == 2


def test_provisioned_ready_gives_up_on_failed():
    with pytest.raises(RuntimeError, match="FAILED"):
        provisioned_ready(_ProvisionedStatuses("FAILED"), "f", timeout=10)


def test_fresh_environments_provisions_on_the_alias_and_removes_it_again(aws):
    lam, logs, name = aws("lambda"), aws("logs"), run_prefix("t-l06-fresh")
    deploy_function(lam, name, "def handler(event, context):\n    return 1\n", MemorySize=256)
    remove_provisioned_concurrency(lam, name)                 # none yet: nothing to delete
    assert fresh_environments(lam, name, 512, provisioned=2) == "live"
    config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert config["Status"] == "READY" and config["RequestedProvisionedConcurrentExecutions"] == 2
    assert fresh_environments(lam, name, 128, provisioned=2) == "live"   # the alias moves on
    assert fresh_environments(lam, name, 128, provisioned=0) is None
    assert lam.get_function_configuration(FunctionName=name)["MemorySize"] == 128
    with pytest.raises(lam.exceptions.ClientError):
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    since = __import__("time").time()
    calls = [timed_invoke(lam, name) for _ in range(2)]
    assert joined_with_reports(logs, name, calls, since)["cold"].tolist() == [True, False]
