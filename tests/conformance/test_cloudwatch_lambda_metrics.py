"""Lambda publishes AWS/Lambda metrics to CloudWatch (patch lambda_metrics)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("boom")
    return {"ok": True}
"""


def _stat(cw, name, metric, stat):
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Statistics=[stat], Period=3600,
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=[{"Name": "FunctionName", "Value": name}])["Datapoints"]
    return sum(p[stat] for p in points)


@pytest.fixture(scope="module")
def lam(aws):
    return aws("lambda", config=Config(retries={"max_attempts": 0}))


def test_invocations_errors_and_duration_are_published(aws, lam):
    """AWS (Lambda Developer Guide, "Types of metrics for Lambda functions"): Invocations
    counts every invocation of the function code "including successful invocations and
    invocations that result in a function error"; Errors counts "invocations that result in
    a function error"; Duration is reported in milliseconds; dimension FunctionName."""
    cw = aws("cloudwatch")
    name = f"metrics-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER)
    for payload in (b"{}", b"{}", b'{"fail": true}'):
        lam.invoke(FunctionName=name, Payload=payload)
    wait_until(lambda: _stat(cw, name, "Invocations", "Sum") >= 3, 60, what="3 Invocations")
    assert _stat(cw, name, "Invocations", "Sum") == 3
    assert _stat(cw, name, "Errors", "Sum") == 1
    assert _stat(cw, name, "Duration", "SampleCount") == 3
    assert _stat(cw, name, "Duration", "Maximum") > 0
    assert _stat(cw, name, "ConcurrentExecutions", "Maximum") >= 1
    assert _stat(cw, name, "Throttles", "Sum") == 0


def test_throttled_requests_count_as_throttles_not_invocations(aws, lam):
    """AWS (same page): Throttles is "the number of invocation requests that are
    throttled"; Invocations "doesn't include throttled requests"."""
    cw = aws("cloudwatch")
    name = f"throttled-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name, Payload=b"{}")
    wait_until(lambda: _stat(cw, name, "Throttles", "Sum") >= 1, 60, what="a Throttles datapoint")
    assert _stat(cw, name, "Throttles", "Sum") == 1
    assert _stat(cw, name, "Invocations", "Sum") == 0


BROKEN_RELEASE = """
def handler(event, context):
    raise ValueError("release 2 cannot price this order")
"""
PERIOD = 10   # a high-resolution alarm period (CloudWatch accepts 10 and 30 s)


def _dims(name, resource=None, executed=None):
    dims = [{"Name": "FunctionName", "Value": name}]
    if resource:
        dims.append({"Name": "Resource", "Value": f"{name}:{resource}"})
    if executed:
        dims.append({"Name": "ExecutedVersion", "Value": executed})
    return dims


def _sum(cw, dims, metric, stat="Sum"):
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Statistics=[stat], Period=3600,
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=dims)["Datapoints"]
    return sum(p[stat] for p in points)


def _canary(lam, name):
    """Version 1 works, version 2 always fails; alias "live" sends each half the traffic."""
    deploy_function(lam, name, HANDLER)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    deploy_function(lam, name, BROKEN_RELEASE)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})


def _alarm(cw, name, executed):
    alarm = f"{name}-v{executed}-errors"
    cw.put_metric_alarm(AlarmName=alarm, Namespace="AWS/Lambda", MetricName="Errors",
                        Dimensions=_dims(name, "live", executed), Statistic="Sum",
                        Period=PERIOD, EvaluationPeriods=1, Threshold=1.0,
                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching")
    return alarm


def test_a_weighted_alias_publishes_errors_per_executed_version(aws, lam):
    """AWS (Lambda Developer Guide, "View metrics for Lambda functions",
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html): metrics by
    "Function Name (FunctionName) - View aggregate metrics for all versions and aliases of a
    function", "Resource (Resource) - View metrics for a version or alias of a function",
    "Executed Version (ExecutedVersion) - View metrics for a combination of alias and
    version. Use the ExecutedVersion dimension to compare error rates for two versions of a
    function that are both targets of a weighted alias." CloudWatch API Reference,
    GetMetricStatistics: "CloudWatch treats each unique combination of dimensions as a
    separate metric"; an alarm on the failing version's Errors reaches ALARM (User Guide,
    "Using Amazon CloudWatch alarms"), the one on the good version's does not. Lambda API
    Reference, Invoke: FunctionName may be "my-function:v1 (with alias)", as good as
    Qualifier."""
    cw = aws("cloudwatch")
    name = f"canary-metrics-{uuid.uuid4().hex[:6]}"
    _canary(lam, name)
    bad, good = _alarm(cw, name, "2"), _alarm(cw, name, "1")
    ran = {"1": 0, "2": 0}
    while min(ran.values()) < 2 and sum(ran.values()) < 60:   # 50/50: both after a few draws
        # the alias as Qualifier, or in the function's name
        target = dict(FunctionName=name, Qualifier="live") if sum(ran.values()) % 2 \
            else dict(FunctionName=f"{name}:live")
        answer = lam.invoke(Payload=b"{}", **target)
        ran[answer["ExecutedVersion"]] += 1
        assert ("FunctionError" in answer) == (answer["ExecutedVersion"] == "2")
    lam.invoke(FunctionName=name, Qualifier="1", Payload=b"{}")   # a version, not an alias
    total = sum(ran.values())
    wait_until(lambda: _sum(cw, _dims(name), "Invocations") >= total + 1, 60,
               what=f"{total + 1} Invocations")

    assert _sum(cw, _dims(name, "live", "2"), "Errors") == ran["2"] >= 2
    assert _sum(cw, _dims(name, "live", "1"), "Errors") == 0
    assert _sum(cw, _dims(name, "live", "1"), "Invocations") == ran["1"] >= 2
    assert _sum(cw, _dims(name, "live"), "Invocations") == total
    assert _sum(cw, _dims(name, "live"), "Errors") == ran["2"]
    assert _sum(cw, _dims(name, "1"), "Invocations") == 1
    assert _sum(cw, _dims(name, "1", "1"), "Invocations") == 0   # a version: no ExecutedVersion
    assert _sum(cw, _dims(name), "Invocations") == total + 1     # each invocation once
    assert _sum(cw, _dims(name), "Errors") == ran["2"]
    assert _sum(cw, _dims(name, "live", "2"), "Duration", "SampleCount") == ran["2"]

    now = datetime.now(timezone.utc)
    answer = cw.get_metric_data(StartTime=now - timedelta(minutes=30),
                                EndTime=now + timedelta(minutes=5), MetricDataQueries=[
        {"Id": f"v{v}", "MetricStat": {"Stat": "Sum", "Period": 3600, "Metric": {
            "Namespace": "AWS/Lambda", "MetricName": "Errors",
            "Dimensions": _dims(name, "live", v)}}} for v in ("1", "2")])
    errors = {r["Id"]: sum(r["Values"]) for r in answer["MetricDataResults"]}
    assert errors == {"v1": 0, "v2": ran["2"]}

    def states():
        alarms = cw.describe_alarms(AlarmNames=[bad, good])["MetricAlarms"]
        found = {a["AlarmName"]: a["StateValue"] for a in alarms}
        return found if found[bad] == "ALARM" and found[good] != "INSUFFICIENT_DATA" else None
    assert wait_until(states, 6 * PERIOD, what="the version 2 alarm to reach ALARM") == {
        bad: "ALARM", good: "OK"}
