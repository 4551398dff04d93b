"""A metric query reads the series with exactly the dimensions it names (patch
cloudwatch_exact_dimensions)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from labkit.lessons.polling import wait_until


def test_each_combination_of_dimensions_is_a_metric_of_its_own(cw):
    """AWS (CloudWatch API Reference, GetMetricStatistics, Dimensions): "CloudWatch treats
    each unique combination of dimensions as a separate metric. If a specific combination of
    dimensions was not published, you can't retrieve statistics for it. You must specify the
    same dimensions that were used when the metrics were created." The same holds for the
    Metric of a GetMetricData MetricStat ("the metric to return, including the metric name,
    namespace, and dimensions", API Reference, MetricStat)."""
    namespace, metric = f"Labkit/{uuid.uuid4().hex[:6]}", "Orders"
    queue = {"Name": "Queue", "Value": "orders"}
    stage = {"Name": "Stage", "Value": "prod"}
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": metric, "Value": 1, "Dimensions": [queue]},
        {"MetricName": metric, "Value": 10, "Dimensions": [queue, stage]},
        {"MetricName": metric, "Value": 100, "Dimensions": []}])
    now = datetime.now(timezone.utc)
    window = dict(StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5))

    def statistics(dimensions):
        return sum(p["Sum"] for p in cw.get_metric_statistics(
            Namespace=namespace, MetricName=metric, Statistics=["Sum"], Period=3600,
            Dimensions=dimensions, **window)["Datapoints"])

    wait_until(lambda: statistics([queue, stage]), 30, what="the datapoints")
    assert statistics([queue]) == 1
    assert statistics([stage, queue]) == 10     # the order of the dimensions does not matter
    assert statistics([]) == 100
    assert statistics([stage]) == 0             # never published on its own

    answer = cw.get_metric_data(MetricDataQueries=[
        {"Id": f"m{i}", "MetricStat": {"Stat": "Sum", "Period": 3600, "Metric": {
            "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions}}}
        for i, dimensions in enumerate(([queue], [queue, stage], []))], **window)
    assert {r["Id"]: sum(r["Values"]) for r in answer["MetricDataResults"]} == {
        "m0": 1, "m1": 10, "m2": 100}
