"""One request through an HTTP API (v2): route, throttling, authorizer, integration."""
from __future__ import annotations

from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway import lambda_proxy
from labkit.emulator.apigateway.http_messages import ApiRequest, ApiResponse
from labkit.emulator.apigateway.http_routing import select_route
from labkit.emulator.apigateway.lambda_call import function_from_uri
from labkit.emulator.apigateway.proxy_events import event_v1, event_v2
from labkit.emulator.apigateway.token_bucket import http_limits

MAX_TIMEOUT_MS = 30000   # "Amazon API Gateway quotas": HTTP API integration timeout, 30 s


def handle(door, api, stage, request: ApiRequest, timing: dict) -> ApiResponse:
    found = select_route(list(api.routes.values()), request.method, request.path)
    if found is None:
        return answers.not_found()
    route, match = found
    if door.throttling is not None:
        limits = http_limits(stage, route.route_key)
        if limits and not door.throttling.allow((api.api_id, stage.name, route.route_key), *limits):
            return answers.too_many_requests()
    authorizer_context = None
    if (route.authorization_type or "NONE").upper() == "CUSTOM" and door.authorizers is not None:
        decision = door.authorizers.http(api, stage, route, request, match)
        if decision.response is not None:
            return decision.response
        authorizer_context = decision.context
    target = route.target or ""
    integration = (api.integrations.get(target.split("/", 1)[1])
                   if target.startswith("integrations/") else None)
    if integration is None:
        return answers.not_found()
    kind = (integration.integration_type or "").upper()
    timeout_ms = min(int(integration.timeout_in_millis or MAX_TIMEOUT_MS), MAX_TIMEOUT_MS)
    if kind == "AWS_PROXY" and (integration.integration_subtype or "").startswith("SQS-"):
        if "sqs" in door.service_integrations:
            return door.service_integrations["sqs"].http(integration, request, stage)
        return answers.internal_server_error_http()
    if kind == "AWS_PROXY":
        version = integration.payload_format_version or "2.0"
        template = "" if route.route_key == "$default" else route.route_key.partition(" ")[2]
        if version == "1.0":
            event = event_v1(request, template or request.path, match.path_parameters,
                             stage.stage_variables or {}, authorizer_context, route.route_key)
        else:
            event = event_v2(request, route.route_key, match.path_parameters,
                             stage.stage_variables or {}, authorizer_context)
        return lambda_proxy.invoke(door, function_from_uri(integration.integration_uri), event,
                                   timeout_ms / 1000, version, lambda_proxy.HTTP, timing)
    # HTTP_PROXY and the other AWS service subtypes are not served here
    return answers.internal_server_error_http()
