"""API Gateway stops waiting for an integration at its timeout; the function runs on.

Without this patch the front door waits for the function however long it runs.
"""
from __future__ import annotations

NAME = "apigateway_integration_timeout"
AWS_BEHAVIOUR = (
    "The integration timeout is 50 milliseconds to 29 seconds for REST APIs (timeoutInMillis "
    "on the integration, default 29 s) and at most 30 seconds for HTTP APIs; when it passes, "
    "a REST API answers 504 with the INTEGRATION_TIMEOUT gateway response "
    "{\"message\": \"Endpoint request timed out\"} (API Gateway Developer Guide, 'Amazon API "
    "Gateway quotas' and 'Gateway response types for API Gateway'); an HTTP API answers 503 "
    "{\"message\":\"Service Unavailable\"} (not in AWS's pages: what users report from real "
    "HTTP APIs, e.g. sst issue #2232). The Lambda function is not stopped: it runs until it "
    "returns or reaches its own timeout."
)


def apply(ctx) -> None:
    door = ctx.find_component("apigateway")
    if door is None:   # apigateway_lambda_proxy disabled: there is no front door to extend
        return
    door.enforce_timeouts = True
