"""One request through a REST API (v1): resource + method, throttling, authorizer, integration.

moto keeps no deployment snapshots: a stage serves the API's resources as they are now.
"""
from __future__ import annotations

from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway import lambda_proxy
from labkit.emulator.apigateway.http_messages import ApiRequest, ApiResponse
from labkit.emulator.apigateway.lambda_call import function_from_uri
from labkit.emulator.apigateway.proxy_events import event_v1
from labkit.emulator.apigateway.rest_routing import select_method, select_resource
from labkit.emulator.apigateway.token_bucket import rest_limits

DEFAULT_TIMEOUT_MS = 29000   # "Amazon API Gateway quotas": integration timeout 50 ms - 29 s


def handle(door, api, stage, request: ApiRequest, timing: dict) -> ApiResponse:
    found = select_resource(list(api.resources.values()), request.path)
    method = found and select_method(found[0], request.method)
    if not method:
        return answers.missing_authentication_token()
    resource, match = found
    resource_path = resource.get_path()
    if door.throttling is not None:
        # the stage's "*/*" settings are each method's default limits ("Default method
        # throttling"): every method has a bucket of its own
        limits = rest_limits(stage, resource_path, method.http_method)
        key = (api.id, stage.name, resource_path, method.http_method)
        if limits and not door.throttling.allow(key, *limits):
            return answers.too_many_requests()
    authorizer_context = None
    if (method.authorization_type or "NONE").upper() == "CUSTOM" and door.authorizers is not None:
        decision = door.authorizers.rest(api, stage, method, resource_path, request, match)
        if decision.response is not None:
            return decision.response
        authorizer_context = decision.context
    integration = method.method_integration
    if integration is None:
        return answers.message(500, "Internal server error")
    kind = (integration.integration_type or "").upper()
    timeout_ms = int(integration.timeout_in_millis or DEFAULT_TIMEOUT_MS)
    if kind == "AWS_PROXY":
        event = event_v1(request, resource_path, match.path_parameters, stage.variables or {},
                         authorizer_context)
        return lambda_proxy.invoke(door, function_from_uri(integration.uri), event,
                                   timeout_ms / 1000, "1.0", lambda_proxy.REST, timing)
    sqs = door.service_integrations.get("sqs")
    if kind == "AWS" and ":sqs:path/" in (integration.uri or "") and sqs is not None:
        return sqs.rest(integration, request)
    if kind == "MOCK":
        return ApiResponse(200, [("Content-Type", "application/json")], b"")
    # other integration types (HTTP, HTTP_PROXY, custom Lambda mappings) are not served here
    return answers.message(500, "Internal server error")

