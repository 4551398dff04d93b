"""AWS/ApiGateway metrics per API and stage (patch apigateway_metrics)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.apigateway_helpers import call, http_api, rest_api, unique

HANDLER = """
def handler(event, context):
    if (event.get("queryStringParameters") or {}).get("fail"):
        raise RuntimeError("boom")
    return {"statusCode": 200, "body": "ok"}
"""


def _stat(cw, metric, stat, dimensions):
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace="AWS/ApiGateway", MetricName=metric, Statistics=[stat], Period=3600,
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions])["Datapoints"]
    return sum(p[stat] for p in points)


def test_rest_api_count_errors_and_latency(aws, server):
    """AWS (API Gateway Developer Guide, "Amazon API Gateway dimensions and metrics"): Count
    is the total number of API requests, 4XXError and 5XXError the client- and server-side
    errors, Latency and IntegrationLatency in milliseconds; dimensions ApiName and Stage."""
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    arn = deploy_function(lam, unique("metered"), HANDLER)
    apigw = aws("apigateway")
    api_id = rest_api(apigw, arn, [("/m", "GET")])
    name = apigw.get_rest_api(restApiId=api_id)["name"]
    base = f"{server.url}/restapis/{api_id}/dev/_user_request_"
    assert [call(u)[0] for u in (f"{base}/m", f"{base}/m", f"{base}/m?fail=1", f"{base}/nope")] \
        == [200, 200, 502, 403]
    cw, dims = aws("cloudwatch"), [("ApiName", name), ("Stage", "dev")]
    wait_until(lambda: _stat(cw, "Count", "Sum", dims) >= 4, 60, what="4 requests counted")
    assert _stat(cw, "Count", "Sum", dims) == 4
    assert _stat(cw, "4XXError", "Sum", dims) == 1
    assert _stat(cw, "5XXError", "Sum", dims) == 1
    assert _stat(cw, "Latency", "SampleCount", dims) == 4
    assert _stat(cw, "IntegrationLatency", "SampleCount", dims) == 3   # 403: no integration
    assert _stat(cw, "Latency", "Maximum", dims) > 0


def test_http_api_metrics_per_api_id_and_stage(aws, server):
    """AWS (API Gateway Developer Guide, "Monitor CloudWatch metrics for HTTP APIs in API
    Gateway"): Count, 4xx, 5xx, Latency, IntegrationLatency, dimensions ApiId and Stage."""
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    arn = deploy_function(lam, unique("metered2"), HANDLER)
    api_id = http_api(aws("apigatewayv2"), arn, ["GET /m"])
    base = f"{server.url}/_aws/execute-api/{api_id}"
    assert [call(u)[0] for u in (f"{base}/m", f"{base}/nope")] == [200, 404]
    cw, dims = aws("cloudwatch"), [("ApiId", api_id), ("Stage", "$default")]
    wait_until(lambda: _stat(cw, "Count", "Sum", dims) >= 2, 60, what="2 requests counted")
    assert _stat(cw, "4xx", "Sum", dims) == 1 and _stat(cw, "5xx", "Sum", dims) == 0
