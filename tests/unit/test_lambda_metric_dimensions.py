"""lambda_metrics.datapoints: the dimension sets one Lambda invocation is published under
(Lambda Developer Guide, "View metrics for Lambda functions": FunctionName, Resource,
ExecutedVersion, and none)."""
from __future__ import annotations

from labkit.emulator.patches.lambda_metrics import datapoints


def _report(qualifier=None, weighted=False, throttled=False, version="$LATEST"):
    return {"function_name": "checkout", "version": version, "qualifier": qualifier,
            "weighted_alias": weighted, "duration_ms": 12.5, "error": True,
            "throttled": throttled, "cold": False, "concurrent": 2, "timestamp": 1.7e9}


def _sets(report, metric="Errors"):
    return sorted(tuple((d["Name"], d["Value"]) for d in datum["Dimensions"])
                  for datum in datapoints(report) if datum["MetricName"] == metric)


def test_an_unqualified_invocation_is_published_per_function_and_account():
    assert _sets(_report()) == [(), (("FunctionName", "checkout"),)]
    assert _sets(_report(qualifier="$LATEST")) == [(), (("FunctionName", "checkout"),)]


def test_a_version_or_a_plain_alias_adds_the_resource():
    by_resource = (("FunctionName", "checkout"), ("Resource", "checkout:3"))
    assert _sets(_report(qualifier="3", version="3")) == [
        (), (("FunctionName", "checkout"),), by_resource]
    assert (("FunctionName", "checkout"), ("Resource", "checkout:live")) in _sets(
        _report(qualifier="live", version="3"))


def test_a_weighted_alias_adds_the_version_that_ran():
    sets = _sets(_report(qualifier="live", weighted=True, version="2"))
    assert sets[-1] == (("FunctionName", "checkout"), ("Resource", "checkout:live"),
                        ("ExecutedVersion", "2"))
    assert len(sets) == 4
    throttled = _sets(_report(qualifier="live", weighted=True, version="2", throttled=True),
                      "Throttles")
    assert throttled == sets
    assert not _sets(_report(qualifier="live", throttled=True))   # a throttle has no Errors


def test_concurrent_executions_stay_per_function():
    """The runtime counts executions in flight per function: no per-alias series from it."""
    assert _sets(_report(qualifier="live", weighted=True, version="2"),
                 "ConcurrentExecutions") == [(), (("FunctionName", "checkout"),)]
