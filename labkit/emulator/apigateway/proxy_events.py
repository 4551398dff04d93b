"""The event a Lambda proxy integration sends to the function.

Payload 1.0: API Gateway Developer Guide, "Lambda proxy integrations in API Gateway" ->
"Input format of a Lambda function for proxy integration" (REST APIs, and HTTP APIs with
payloadFormatVersion 1.0). Payload 2.0: "Create AWS Lambda proxy integrations for HTTP APIs
in API Gateway" (headers and query values with several values are joined with commas;
cookies get their own list).
"""
from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime, timezone

from labkit.emulator.apigateway.http_messages import ApiRequest

DEFAULT_ACCOUNT = "123456789012"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded",
               "application/javascript")


def body_field(request: ApiRequest) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text stays text; anything else travels base64-encoded."""
    if not request.body:
        return None, False
    ctype = (request.header("content-type") or "").lower()
    if not ctype or ctype.startswith(_TEXT_TYPES):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def _multi(pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for k, v in pairs:
        out[k].append(v)
    return dict(out)


def _request_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _identity(request: ApiRequest) -> dict:
    return {"cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
            "caller": None, "sourceIp": request.source_ip, "principalOrgId": None,
            "accessKey": None, "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": request.header("user-agent"), "user": None, "apiKey": None,
            "apiKeyId": None, "clientCert": None}


def event_v1(request: ApiRequest, resource: str, path_parameters: dict, stage_variables: dict,
             authorizer: dict | None = None, route_key: str | None = None) -> dict:
    """Payload 1.0. ``resource`` is the resource path (REST) or the route's path (HTTP API);
    ``route_key`` is given for HTTP APIs, whose 1.0 event also carries version/routeKey."""
    headers = _multi(request.headers)
    query = _multi(request.query_pairs())
    body, is_b64 = body_field(request)
    stage_path = request.path if request.stage == "$default" else f"/{request.stage}{request.path}"
    context = {
        "accountId": DEFAULT_ACCOUNT, "apiId": request.api_id, "domainName":
        f"{request.api_id}.execute-api.us-east-1.amazonaws.com", "domainPrefix": request.api_id,
        "extendedRequestId": request.request_id, "httpMethod": request.method,
        "identity": _identity(request), "path": stage_path, "protocol": "HTTP/1.1",
        "requestId": request.request_id, "requestTime": _request_time(request.time_epoch_ms),
        "requestTimeEpoch": request.time_epoch_ms, "resourceId": None,
        "resourcePath": resource, "stage": request.stage,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event = {
        "resource": resource, "path": request.path, "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in headers.items()} or None,   # the last value, as AWS
        "multiValueHeaders": headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": context,
        "body": body, "isBase64Encoded": is_b64,
    }
    if route_key is not None:
        event = {"version": "1.0", **event}
        context["routeKey"] = route_key
    return event


def event_v2(request: ApiRequest, route_key: str, path_parameters: dict, stage_variables: dict,
             authorizer: dict | None = None) -> dict:
    """Payload 2.0 (HTTP APIs)."""
    headers: dict[str, list[str]] = defaultdict(list)
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[name.lower()].append(value)
    query = _multi(request.query_pairs())
    body, is_b64 = body_field(request)
    raw_path = request.path if request.stage == "$default" else f"/{request.stage}{request.path}"
    event = {
        "version": "2.0", "routeKey": route_key, "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": {k: ",".join(v) for k, v in headers.items()},
        "requestContext": {
            "accountId": DEFAULT_ACCOUNT, "apiId": request.api_id,
            "domainName": f"{request.api_id}.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": request.api_id,
            "http": {"method": request.method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip,
                     "userAgent": request.header("user-agent") or ""},
            "requestId": request.request_id, "routeKey": route_key, "stage": request.stage,
            "time": _request_time(request.time_epoch_ms), "timeEpoch": request.time_epoch_ms,
        },
        "isBase64Encoded": is_b64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if stage_variables:
        event["stageVariables"] = stage_variables
    if body is not None:
        event["body"] = body
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    return event

