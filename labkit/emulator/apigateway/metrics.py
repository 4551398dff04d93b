"""AWS/ApiGateway metrics, summed per API and stage over each publishing period.

REST APIs (API Gateway Developer Guide, "Amazon API Gateway dimensions and metrics"):
Count, 4XXError, 5XXError, Latency, IntegrationLatency with dimensions ApiName + Stage.
HTTP APIs ("Monitor CloudWatch metrics for HTTP APIs in API Gateway"): Count, 4xx, 5xx,
Latency, IntegrationLatency with dimensions ApiId + Stage. Each period's values go in as
statistic sets, so Sum, Average (the error rate), SampleCount, Minimum and Maximum all mean
what they mean on AWS.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timezone

from labkit.emulator.periodic import PeriodicComponent

NAMESPACE = "AWS/ApiGateway"
ACCOUNT, REGION = "123456789012", "us-east-1"


class _Series:
    def __init__(self) -> None:
        self.values: list[float] = []

    def add(self, value: float) -> None:
        self.values.append(value)

    def statistics(self) -> dict:
        v = self.values
        return {"SampleCount": float(len(v)), "Sum": float(sum(v)),
                "Minimum": float(min(v)), "Maximum": float(max(v))}


class ApiGatewayMetrics(PeriodicComponent):
    name = "apigateway-metrics"

    def __init__(self, period: float):
        super().__init__(period)
        self.lock = threading.Lock()
        self.series: dict[tuple, _Series] = defaultdict(_Series)   # (dimensions, metric)
        self.published = 0

    def observe(self, dimensions: tuple, status: int, latency_ms: float,
                integration_ms: float | None) -> None:
        rest = dimensions[0][0] == "ApiName"
        client, server = ("4XXError", "5XXError") if rest else ("4xx", "5xx")
        with self.lock:
            self.series[(dimensions, "Count")].add(1.0)
            self.series[(dimensions, client)].add(1.0 if 400 <= status < 500 else 0.0)
            self.series[(dimensions, server)].add(1.0 if status >= 500 else 0.0)
            self.series[(dimensions, "Latency")].add(latency_ms)
            if integration_ms is not None:
                self.series[(dimensions, "IntegrationLatency")].add(integration_ms)

    def reset(self) -> None:
        with self.lock:
            self.series.clear()

    def health(self) -> dict:
        return {"period_s": self.interval, "publishes": self.published}

    def tick(self) -> None:
        self.publish()

    def publish(self) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        with self.lock:
            series, self.series = self.series, defaultdict(_Series)
        if not series:
            return   # no requests in the period: API Gateway publishes nothing
        when = datetime.now(timezone.utc).replace(tzinfo=None)   # naive UTC, as moto's own
        data = [{"MetricName": metric, "Timestamp": when, "StatisticValues": s.statistics(),
                 "Unit": "Milliseconds" if metric.endswith("Latency") else "Count",
                 "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions]}
                for (dimensions, metric), s in series.items()]
        backend = cloudwatch_backends[ACCOUNT][REGION]
        for i in range(0, len(data), 500):
            backend.put_metric_data(NAMESPACE, data[i:i + 500])
        self.published += 1
