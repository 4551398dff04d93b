"""API Gateway publishes AWS/ApiGateway metrics to CloudWatch, per API and stage.

Published every LABKIT_METRICS_PERIOD seconds (default 10; AWS: 1 minute), like the other
metrics of the backend (see sqs_metrics.py).
"""
from __future__ import annotations

import os

from labkit.emulator.apigateway.metrics import ApiGatewayMetrics

NAME = "apigateway_metrics"
AWS_BEHAVIOUR = (
    "API Gateway sends metric data to CloudWatch in namespace AWS/ApiGateway: Count, "
    "4XXError, 5XXError, Latency and IntegrationLatency per ApiName and Stage for REST APIs "
    "(API Gateway Developer Guide, 'Amazon API Gateway dimensions and metrics'); Count, 4xx, "
    "5xx, Latency and IntegrationLatency per ApiId and Stage for HTTP APIs ('Monitor "
    "CloudWatch metrics for HTTP APIs in API Gateway')."
)


def apply(ctx) -> None:
    door = ctx.find_component("apigateway")
    if door is None:   # apigateway_lambda_proxy disabled: there is no front door to extend
        return
    period = float(os.environ.get("LABKIT_METRICS_PERIOD", "10"))
    metrics = ctx.add_component(ApiGatewayMetrics(period))
    door.observers.append(metrics.observe)
