"""Lesson 10's plumbing: HTTP APIs (v2) and REST APIs (v1) with Lambda proxy integrations, the
permission API Gateway needs to call a function, and deleting it all again. Plain boto3, so
the same calls build the same APIs on the embedded backend, on LocalStack and on AWS.

    api = http_api(apigw2, "orders", {"POST /orders": integration_id})
    integration_id = lambda_proxy(apigw2, api, function_arn, TimeoutInMillis=1000)

The settings the lesson is about (integration timeout, route throttling, authorizer TTL)
are passed in by the notebook, where the learner sees them.
"""
from __future__ import annotations

import uuid


def _account_region(function_arn: str) -> tuple[str, str]:
    parts = function_arn.split(":")          # arn:aws:lambda:{region}:{account}:function:{name}
    return parts[4], parts[3]


def allow_api_to_invoke(lam, function_arn: str, api_id: str) -> None:
    """The resource-based permission API Gateway needs on AWS to invoke the function (the
    console adds it for you; an API built with the SDK must add it itself)."""
    account, region = _account_region(function_arn)
    lam.add_permission(FunctionName=function_arn, StatementId=f"apigw-{api_id}-{uuid.uuid4().hex[:6]}",
                       Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{account}:{api_id}/*")


def lambda_uri(function_arn: str) -> str:
    """The integration URI of a Lambda function (REST APIs and authorizers need this form)."""
    _, region = _account_region(function_arn)
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def create_http_api(apigw2, name: str) -> str:
    return apigw2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]


def lambda_proxy(apigw2, lam, api_id: str, function_arn: str, **settings) -> str:
    """A Lambda proxy integration (payload 2.0) on an HTTP API; ``settings`` e.g.
    TimeoutInMillis. Also lets this API invoke the function."""
    allow_api_to_invoke(lam, function_arn, api_id)
    return apigw2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                     IntegrationUri=function_arn, PayloadFormatVersion="2.0",
                                     **settings)["IntegrationId"]


def add_routes(apigw2, api_id: str, routes: dict[str, str], **route_settings) -> None:
    """Route keys ("POST /orders") -> integration id; ``route_settings`` e.g. an authorizer
    (AuthorizationType="CUSTOM", AuthorizerId=...)."""
    for key, integration in routes.items():
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}",
                            **route_settings)


def deploy_stage(apigw2, api_id: str, **settings) -> None:
    """The $default stage, deployed automatically on every change (what the console creates)."""
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, **settings)


def http_api(apigw2, lam, name: str, function_arn: str, route_keys: list[str],
             **integration_settings) -> str:
    """An HTTP API whose routes all proxy to one function, on its $default stage."""
    api_id = create_http_api(apigw2, name)
    integration = lambda_proxy(apigw2, lam, api_id, function_arn, **integration_settings)
    add_routes(apigw2, api_id, {key: integration for key in route_keys})
    deploy_stage(apigw2, api_id)
    return api_id


def rest_api(apigw, lam, name: str, function_arn: str, path_part: str, method: str = "POST",
             stage: str = "prod", timeout_ms: int | None = None) -> str:
    """A REST API with one resource /{path_part} whose method proxies to the function."""
    api_id = apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=method, authorizationType="NONE")
    extra = {"timeoutInMillis": timeout_ms} if timeout_ms else {}
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=method, type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(function_arn), **extra)
    allow_api_to_invoke(lam, function_arn, api_id)
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id
