"""Building REST and HTTP APIs with Lambda integrations, calling their invoke URLs, and counting
how often a function behind them ran."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

REGION = "us-east-1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def lambda_uri(function_arn: str) -> str:
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations")


def rest_api(apigw, function_arn: str, routes: list[tuple[str, str]], stage: str = "dev",
             timeout_ms: int | None = None, authorizer_id: str | None = None,
             api_id: str | None = None) -> str:
    """A REST API whose (path, method) pairs proxy to ``function_arn``; deployed to ``stage``."""
    api_id = api_id or apigw.create_rest_api(name=unique("api"))["id"]
    by_path = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    for path, method in routes:
        resource_id = _resource(apigw, api_id, by_path, path)
        auth = {"authorizationType": "CUSTOM", "authorizerId": authorizer_id} if authorizer_id \
            else {"authorizationType": "NONE"}
        apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=method, **auth)
        extra = {"timeoutInMillis": timeout_ms} if timeout_ms else {}
        apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=method,
                              type="AWS_PROXY", integrationHttpMethod="POST",
                              uri=lambda_uri(function_arn), **extra)
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def _resource(apigw, api_id: str, by_path: dict, path: str) -> str:
    if path in by_path:
        return by_path[path]
    parent_path, _, part = path.rstrip("/").rpartition("/")
    parent = _resource(apigw, api_id, by_path, parent_path or "/")
    by_path[path] = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
    return by_path[path]


def http_api(apigw2, function_arn: str, route_keys: list[str], payload_version: str = "2.0",
             stage: str = "$default", stage_settings: dict | None = None,
             timeout_ms: int | None = None, route_auth: dict | None = None) -> str:
    """An HTTP API whose routes proxy to ``function_arn``."""
    api_id = apigw2.create_api(Name=unique("http"), ProtocolType="HTTP")["ApiId"]
    extra = {"TimeoutInMillis": timeout_ms} if timeout_ms else {}
    integration = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
        PayloadFormatVersion=payload_version, **extra)["IntegrationId"]
    for key in route_keys:
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}",
                            **(route_auth or {}))
    apigw2.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True, **(stage_settings or {}))
    return api_id


def call(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict | None = None, timeout: float = 60) -> tuple[int, object, bytes]:
    """(status, headers (an email.message.Message: get_all for repeated ones), body) of one
    request; error statuses are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def call_json(url: str, **kwargs) -> tuple[int, object]:
    status, _, body = call(url, **kwargs)
    return status, json.loads(body) if body else None


def invocations(cw, name: str) -> float:
    """The function's Invocations metric over the last half hour: whether a request reached it."""
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations", Statistics=["Sum"], Period=3600,
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=[{"Name": "FunctionName", "Value": name}])["Datapoints"]
    return sum(p["Sum"] for p in points)
