"""An HTTP API's Lambda proxy integration, payload 2.0 and 1.0 (patch apigateway_lambda_proxy)."""
from __future__ import annotations

import json

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from tests.conformance.apigateway_helpers import call, call_json, http_api, unique

ECHO = """
import json

def handler(event, context):
    q = event.get("queryStringParameters") or {}
    if q.get("mode") == "error":
        raise RuntimeError("boom")
    if q.get("mode") == "plain":
        return {"just": "json", "path": event.get("rawPath")}
    answer = {"statusCode": 200, "headers": {"Content-Type": "application/json"},
              "body": json.dumps(event)}
    if event.get("version") == "2.0":
        answer["cookies"] = ["a=1", "b=2"]   # a payload 2.0 field only
    return answer
"""


@pytest.fixture(scope="module")
def echo_arn(aws):
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    return deploy_function(lam, unique("echo2"), ECHO)


def test_payload_2_event_and_route_matching(aws, server, echo_arn):
    """AWS (API Gateway Developer Guide, "Create AWS Lambda proxy integrations for HTTP APIs
    in API Gateway"): payload 2.0 has version "2.0", routeKey, rawPath, rawQueryString,
    cookies, headers (several values comma-joined), queryStringParameters (comma-joined),
    pathParameters, requestContext.http {method, path, protocol, sourceIp, userAgent},
    requestId, routeKey, stage, timeEpoch; the response's cookies become Set-Cookie headers."""
    api_id = http_api(aws("apigatewayv2"), echo_arn, ["GET /items/{id}", "ANY /{proxy+}"])
    base = f"{server.url}/_aws/execute-api/{api_id}"
    status, headers, body = call(f"{base}/items/42?tag=a&tag=b&x=1",
                                 headers={"Cookie": "s=1; t=2", "X-Trace": "t1",
                                          "User-Agent": "lab/1"})
    assert status == 200
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42" and event["rawQueryString"] == "tag=a&tag=b&x=1"
    assert event["queryStringParameters"] == {"tag": "a,b", "x": "1"}
    assert event["pathParameters"] == {"id": "42"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["headers"]["x-trace"] == "t1"
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "GET" and ctx["http"]["path"] == "/items/42"
    assert ctx["http"]["userAgent"] == "lab/1" and ctx["http"]["sourceIp"]
    assert ctx["routeKey"] == "GET /items/{id}" and ctx["stage"] == "$default"
    assert ctx["requestId"] and isinstance(ctx["timeEpoch"], int)

    status, event = call_json(f"{base}/other/deep/path", method="PUT", body=b"hi")
    assert status == 200
    assert event["routeKey"] == "ANY /{proxy+}"
    assert event["pathParameters"] == {"proxy": "other/deep/path"} and event["body"] == "hi"


def test_json_without_status_code_is_inferred(aws, server, echo_arn):
    """AWS (same page, "Lambda function response for format 2.0"): if the function returns
    valid JSON without a statusCode, API Gateway assumes statusCode 200, content-type
    application/json, and the function's response as the body."""
    api_id = http_api(aws("apigatewayv2"), echo_arn, ["$default"])
    status, headers, body = call(f"{server.url}/_aws/execute-api/{api_id}/any/where?mode=plain")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"just": "json", "path": "/any/where"}


def test_function_error_is_internal_server_error(aws, server, echo_arn):
    """AWS (API Gateway Developer Guide, "Troubleshooting issues with HTTP API Lambda
    integrations"): an API with a Lambda integration whose function fails returns
    {"message":"Internal Server Error"}."""
    api_id = http_api(aws("apigatewayv2"), echo_arn, ["$default"])
    status, doc = call_json(f"{server.url}/_aws/execute-api/{api_id}/x?mode=error")
    assert status == 500 and doc == {"message": "Internal Server Error"}


def test_payload_1_event_from_an_http_api_named_stage(aws, server, echo_arn):
    """AWS ("Create AWS Lambda proxy integrations for HTTP APIs in API Gateway", payload
    format version 1.0): the event has the REST API's shape plus version "1.0" and
    requestContext.routeKey; a stage other than $default is part of the URL."""
    api_id = http_api(aws("apigatewayv2"), echo_arn, ["GET /pets/{name}"],
                      payload_version="1.0", stage="prod")
    status, headers, body = call(f"{server.url}/_aws/execute-api/{api_id}/prod/pets/rex?a=1&a=2")
    assert status == 200
    event = json.loads(body)
    assert event["version"] == "1.0" and event["resource"] == "/pets/{name}"
    assert event["path"] == "/pets/rex" and event["pathParameters"] == {"name": "rex"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["requestContext"]["routeKey"] == "GET /pets/{name}"
    assert event["requestContext"]["stage"] == "prod"
    status, _ = call_json(f"{server.url}/_aws/execute-api/{api_id}/prod/nowhere")
    assert status == 404   # no route matches: Not Found
