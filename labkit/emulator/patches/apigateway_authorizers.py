"""Lambda authorizers guard REST methods (TOKEN, REQUEST) and HTTP API routes (REQUEST),
with their results cached for the authorizer's TTL.

Without this patch a method or route with a CUSTOM authorizer is served unchecked. JWT and
Cognito authorizers are not emulated. The component's health shows authorizer_calls and
cache_hits; the authorizer function's own AWS/Lambda Invocations metric counts its calls.
"""
from __future__ import annotations

from labkit.emulator.apigateway.authorizers import Authorizers

NAME = "apigateway_authorizers"
AWS_BEHAVIOUR = (
    "A Lambda authorizer is called with the caller's identity (a token for TOKEN authorizers, "
    "the identity sources for REQUEST authorizers) and returns a principal, an IAM policy "
    "allowing or denying execute-api:Invoke on the method, and a context passed to the "
    "backend; if an identity source is missing API Gateway answers 401 without calling the "
    "authorizer; results are cached for authorizerResultTtlInSeconds (default 300, 0 turns "
    "caching off) keyed by the token or the identity sources; an explicit Deny answers 403 "
    "(API Gateway Developer Guide, 'Use API Gateway Lambda authorizers'; HTTP APIs, simple "
    "responses {isAuthorized, context}: 'Control access to HTTP APIs with AWS Lambda "
    "authorizers')."
)


def apply(ctx) -> None:
    door = ctx.find_component("apigateway")
    if door is None:   # apigateway_lambda_proxy disabled: there is no front door to extend
        return
    door.authorizers = Authorizers(door.runtime)
