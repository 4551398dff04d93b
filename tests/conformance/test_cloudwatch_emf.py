"""Embedded metric format log lines become CloudWatch metrics (patch cloudwatch_emf)."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

DEADLINE = 60.0


def _sum(cw, namespace, metric, dimensions):
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace=namespace, MetricName=metric, Statistics=["Sum", "SampleCount"], Period=3600,
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=dimensions)["Datapoints"]
    return sum(p["Sum"] for p in points), sum(p["SampleCount"] for p in points)


def test_emf_line_written_to_logs_creates_the_declared_metrics(aws):
    """AWS (CloudWatch User Guide, "Specification: Embedded metric format"): CloudWatch
    extracts the metrics listed in _aws.CloudWatchMetrics (Namespace, Dimensions, Metrics)
    from the log event, taking each value from the root member of the same name; an array
    value is several samples."""
    logs, cw = aws("logs"), aws("cloudwatch")
    group, stream = f"/labkit/emf-{uuid.uuid4().hex[:6]}", "s1"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    namespace = f"Labkit/{uuid.uuid4().hex[:6]}"
    document = {
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": namespace, "Dimensions": [["service"]],
            "Metrics": [{"Name": "OrdersProcessed", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds"}]}]},
        "service": "orders", "OrdersProcessed": 3, "Latency": [12, 30], "requestId": "r-1",
    }
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": int(time.time() * 1000), "message": json.dumps(document)},
        {"timestamp": int(time.time() * 1000), "message": "plain text line, not EMF"}])
    dims = [{"Name": "service", "Value": "orders"}]
    total, samples = wait_until(lambda: (r := _sum(cw, namespace, "OrdersProcessed", dims))[1] and r,
                                DEADLINE, what="the OrdersProcessed metric")
    assert (total, samples) == (3.0, 1.0)
    assert _sum(cw, namespace, "Latency", dims) == (42.0, 2.0)


def test_powertools_metrics_in_a_lambda_function_reach_cloudwatch(aws):
    """Lesson 08 path. AWS (Powertools for AWS Lambda (Python), Metrics): "Metrics are
    flushed ... to standard output in EMF format" at the end of the invocation, and
    CloudWatch turns them into metrics in the given namespace with dimension service."""
    lam, cw = aws("lambda"), aws("cloudwatch")
    name = f"emf-{uuid.uuid4().hex[:6]}"
    namespace = f"Labkit/{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, (
        "from aws_lambda_powertools import Metrics\n"
        "from aws_lambda_powertools.metrics import MetricUnit\n"
        f"metrics = Metrics(namespace='{namespace}', service='checkout')\n"
        "@metrics.log_metrics\n"
        "def handler(event, context):\n"
        "    metrics.add_metric(name='CartsCheckedOut', unit=MetricUnit.Count, value=2)\n"
        "    return {}\n"))
    for _ in range(2):
        lam.invoke(FunctionName=name, Payload=b"{}")
    dims = [{"Name": "service", "Value": "checkout"}]
    wait_until(lambda: _sum(cw, namespace, "CartsCheckedOut", dims)[1] >= 2, DEADLINE,
               what="two CartsCheckedOut datapoints")
    assert _sum(cw, namespace, "CartsCheckedOut", dims) == (4.0, 2.0)
