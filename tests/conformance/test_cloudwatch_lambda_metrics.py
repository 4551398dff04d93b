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
