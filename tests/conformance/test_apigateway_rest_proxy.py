"""A REST API's Lambda proxy integration at its invoke URL (patch apigateway_lambda_proxy)."""
from __future__ import annotations

import json

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from tests.conformance.apigateway_helpers import call, call_json, rest_api, unique

ECHO = """
import json

def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "error":
        raise RuntimeError("boom")
    if mode == "malformed":
        return {"hello": "no statusCode here"}
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"X-Many": ["a", "b"]}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def echo_api(aws, server):
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    arn = deploy_function(lam, unique("echo"), ECHO)
    api_id = rest_api(aws("apigateway"), arn, [("/items/{id}", "GET"), ("/items", "POST"),
                                               ("/files/{proxy+}", "ANY")])
    return f"{server.url}/restapis/{api_id}/dev/_user_request_", api_id


def test_proxy_event_has_the_request(echo_api):
    """AWS (API Gateway Developer Guide, "Lambda proxy integrations in API Gateway", "Input
    format of a Lambda function for proxy integration"): the event carries resource, path,
    httpMethod, headers, multiValueHeaders, queryStringParameters,
    multiValueQueryStringParameters, pathParameters, stageVariables, requestContext
    (identity, requestId, stage, resourcePath, httpMethod, requestTimeEpoch), body and
    isBase64Encoded; the function's statusCode, headers and body are the HTTP response."""
    base, api_id = echo_api
    status, headers, body = call(f"{base}/items/42?color=red&color=blue&size=9",
                                 headers={"X-Trace": "t1"})
    assert status == 201
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"color": "blue", "size": "9"}
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"], "size": ["9"]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["stage"] == "dev" and ctx["apiId"] == api_id
    assert ctx["resourcePath"] == "/items/{id}" and ctx["httpMethod"] == "GET"
    assert ctx["requestId"] and isinstance(ctx["requestTimeEpoch"], int)
    assert "sourceIp" in ctx["identity"]


def test_body_and_multi_value_response_headers(echo_api):
    """AWS (same page, "Output format of a Lambda function for proxy integration"): the
    request body reaches the function as a string; multiValueHeaders become repeated
    response headers."""
    base, _ = echo_api
    status, headers, body = call(f"{base}/items", method="POST", body=b'{"name": "pen"}',
                                 headers={"Content-Type": "application/json"})
    assert status == 201
    event = json.loads(body)
    assert event["httpMethod"] == "POST" and event["resource"] == "/items"
    assert json.loads(event["body"]) == {"name": "pen"}
    assert headers.get_all("X-Many") == ["a", "b"]


def test_greedy_proxy_resource_and_any_method(echo_api):
    """AWS (API Gateway Developer Guide, "Set up a proxy integration with a proxy resource"):
    a greedy path variable {proxy+} matches all child resources, and ANY every method."""
    base, _ = echo_api
    status, event = call_json(f"{base}/files/a/b/c.txt", method="DELETE")
    assert status == 201
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["httpMethod"] == "DELETE"


def test_unknown_resource_or_method_is_missing_authentication_token(echo_api):
    """AWS (API Gateway Developer Guide, "Gateway response types", MISSING_AUTHENTICATION_TOKEN):
    a request to a resource or method the API does not define answers 403
    {"message":"Missing Authentication Token"}."""
    base, _ = echo_api
    assert call_json(f"{base}/nothing/here") == (403, {"message": "Missing Authentication Token"})
    assert call_json(f"{base}/items/42", method="DELETE")[0] == 403


def test_function_error_and_malformed_response_answer_502(echo_api):
    """AWS (Lambda Developer Guide, "Handling Lambda errors with an API Gateway API"): "If
    the function runs but returns an error, or returns a response in the wrong format, API
    Gateway returns a 502", body {"message": "Internal server error"}."""
    base, _ = echo_api
    assert call_json(f"{base}/items/1?mode=error") == (502, {"message": "Internal server error"})
    assert call_json(f"{base}/items/1?mode=malformed") == (502, {"message": "Internal server error"})


def test_execute_api_path_serves_the_same_api(echo_api, server):
    """LocalStack's path-style URL /_aws/execute-api/{api_id}/{stage}/{path} serves the same
    API as {api_id}.execute-api.{region}.amazonaws.com/{stage}/{path} on AWS (API Gateway
    Developer Guide, "Invoke REST APIs in API Gateway")."""
    _, api_id = echo_api
    status, event = call_json(f"{server.url}/_aws/execute-api/{api_id}/dev/items/7")
    assert status == 201 and event["pathParameters"] == {"id": "7"}


def test_control_plane_under_restapis_still_answers(aws, echo_api):
    """The invoke URL shares /restapis/ with the API Gateway API (GetResources): that must
    still be answered as before."""
    _, api_id = echo_api
    paths = {r["path"] for r in aws("apigateway").get_resources(restApiId=api_id)["items"]}
    assert {"/", "/items", "/items/{id}", "/files/{proxy+}"} <= paths
