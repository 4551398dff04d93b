"""Stage and route throttling answers 429 without invoking the function
(patch apigateway_throttling)."""
from __future__ import annotations

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.apigateway_helpers import (call, call_json, http_api, invocations,
                                                  rest_api, unique)

OK = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


@pytest.fixture
def function(aws):
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    name = unique("throttled")
    return name, deploy_function(lam, name, OK)


def test_rest_stage_limits_answer_429_without_invoking(aws, server, function):
    """AWS (API Gateway Developer Guide, "Throttle requests to your REST APIs for better
    throughput in API Gateway"): the stage's default method throttling (methodSettings */*,
    rate and burst of a token bucket) applies to every method; requests over it receive
    429 Too Many Requests, and the backend is not called."""
    name, arn = function
    apigw = aws("apigateway")
    api_id = rest_api(apigw, arn, [("/ping", "GET")])
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "3"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.01"}])
    url = f"{server.url}/restapis/{api_id}/dev/_user_request_/ping"
    statuses = [call(url)[0] for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429, 429]
    assert call_json(url) == (429, {"message": "Too Many Requests"})
    cw = aws("cloudwatch")
    wait_until(lambda: invocations(cw, name) >= 3, 60, what="3 Invocations")
    assert invocations(cw, name) == 3      # the throttled requests never reached Lambda


def test_http_api_route_settings_answer_429(aws, server, function):
    """AWS (API Gateway Developer Guide, "Throttling requests to your HTTP API"): a stage's
    DefaultRouteSettings set every route's limits and RouteSettings one route's; over the
    limit a client receives 429 {"message":"Too Many Requests"}."""
    _, arn = function
    api_id = http_api(aws("apigatewayv2"), arn, ["GET /slow", "GET /fast"], stage_settings={
        "DefaultRouteSettings": {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100.0},
        "RouteSettings": {"GET /slow": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.01}}})
    base = f"{server.url}/_aws/execute-api/{api_id}"
    assert [call(f"{base}/slow")[0] for _ in range(3)] == [200, 429, 429]
    assert call_json(f"{base}/slow")[1] == {"message": "Too Many Requests"}
    assert [call(f"{base}/fast")[0] for _ in range(3)] == [200, 200, 200]
