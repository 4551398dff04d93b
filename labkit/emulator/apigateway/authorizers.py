"""Lambda authorizers in front of REST methods (TOKEN, REQUEST) and HTTP API routes (REQUEST).

API Gateway Developer Guide, "Use API Gateway Lambda authorizers" (REST) and "Control access
to HTTP APIs with AWS Lambda authorizers": a request missing an identity source is answered
401 without calling the authorizer; the authorizer raising "Unauthorized" answers 401; a
policy with an explicit Deny answers 403 "... with an explicit deny"; the context it returns
reaches the backend in requestContext.authorizer. HTTP APIs accept simple responses
{"isAuthorized": bool, "context": {...}}; denied is 403 {"message":"Forbidden"}.
"""
from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass

from labkit.emulator.apigateway import authorizer_policy as policy
from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway.authorizer_cache import AuthorizerCache
from labkit.emulator.apigateway.http_messages import ApiRequest, ApiResponse
from labkit.emulator.apigateway.lambda_call import call, function_from_uri
from labkit.emulator.apigateway.proxy_events import event_v1, event_v2

ACCOUNT = "123456789012"
AUTHORIZER_WAIT_S = 30.0
REST_DEFAULT_TTL = 300     # CreateAuthorizer: authorizerResultTtlInSeconds defaults to 300


@dataclass
class Decision:
    response: ApiResponse | None = None     # set: answer this instead of calling the backend
    context: dict | None = None             # requestContext.authorizer for the backend


def _identity_values(sources: list[str], request: ApiRequest, stage_variables: dict) -> list | None:
    """The values of the identity sources in order; None when one is missing or empty."""
    values = []
    for source in sources:
        source = source.strip().lstrip("$")
        kind, _, name = source.rpartition(".")
        if kind.endswith("header"):
            value = request.header(name)
        elif kind.endswith("querystring"):
            value = request.query_value(name)
        elif kind == "stageVariables":
            value = (stage_variables or {}).get(name)
        elif kind == "context":
            value = {"stage": request.stage, "requestId": request.request_id}.get(name)
        else:
            value = None
        if not value:
            return None
        values.append(value)
    return values


class Authorizers:
    def __init__(self, runtime_lookup):
        self.runtime = runtime_lookup
        self.cache = AuthorizerCache()
        self.calls = 0
        self._lock = threading.Lock()

    def clear(self) -> None:
        self.cache.clear()
        self.calls = 0

    def health(self) -> dict:
        return {"authorizer_calls": self.calls, "cache_hits": self.cache.hits}

    def _invoke(self, uri: str, event: dict):
        """(payload dict or None, error message or None)."""
        with self._lock:
            self.calls += 1
        outcome = call(self.runtime(), function_from_uri(uri) or uri, json.dumps(event).encode(),
                       AUTHORIZER_WAIT_S)
        if outcome.result is None:
            return None, "the authorizer could not be invoked"
        try:
            doc = json.loads(outcome.result.payload or b"null")
        except ValueError:
            return None, "the authorizer's answer is not JSON"
        if outcome.result.function_error:
            return None, (doc or {}).get("errorMessage") if isinstance(doc, dict) else "error"
        return doc, None

    # -- REST APIs ------------------------------------------------------------------------
    def rest(self, api, stage, method, resource_path: str, request: ApiRequest, match) -> Decision:
        authorizer = api.authorizers.get(method.authorizer_id or "")
        if authorizer is None:
            return Decision(answers.message(500, None))
        kind = (authorizer.type or "TOKEN").upper()
        sources = [s for s in (authorizer.identity_source or "").split(",") if s.strip()]
        if kind == "TOKEN" and not sources:
            sources = ["method.request.header.Authorization"]
        values = _identity_values(sources, request, stage.variables)
        if values is None:
            return Decision(answers.unauthorized())
        arn = policy.method_arn(api.region_name, ACCOUNT, api.id, stage.name, request.method,
                                request.path)
        if kind == "TOKEN":
            pattern = authorizer.identity_validation_expression
            if pattern and not _full_match(pattern, values[0]):
                return Decision(answers.unauthorized())
            event = {"type": "TOKEN", "authorizationToken": values[0], "methodArn": arn}
        else:
            event = {"type": "REQUEST", "methodArn": arn, **event_v1(
                request, resource_path, match.path_parameters, stage.variables or {})}
        ttl = authorizer.authorizer_result_ttl
        ttl = REST_DEFAULT_TTL if ttl is None else int(ttl)
        key = (api.id, authorizer.id, *values)
        doc = self.cache.get(key) if ttl > 0 else None
        if doc is None:
            doc, error = self._invoke(authorizer.authorizer_uri, event)
            if error == "Unauthorized":
                return Decision(answers.unauthorized())
            if error is not None or not isinstance(doc, dict):
                return Decision(answers.message(500, None))   # AUTHORIZER_FAILURE
            self.cache.put(key, ttl, doc)
        verdict = policy.evaluate(doc.get("policyDocument"), arn)
        if verdict == policy.DENY:
            return Decision(answers.json_answer(403, {
                "Message": "User is not authorized to access this resource with an explicit deny"}))
        if verdict != policy.ALLOW:
            return Decision(answers.json_answer(403, {
                "Message": "User is not authorized to access this resource"}))
        context = {k: v for k, v in (doc.get("context") or {}).items()}
        context["principalId"] = doc.get("principalId")
        return Decision(context=context)

    # -- HTTP APIs ------------------------------------------------------------------------
    def http(self, api, stage, route, request: ApiRequest, match) -> Decision:
        authorizer = api.authorizers.get(route.authorizer_id or "")
        if authorizer is None or (authorizer.authorizer_type or "").upper() != "REQUEST":
            return Decision(answers.internal_server_error_http())   # JWT is not emulated
        raw = authorizer.identity_source or []
        sources = raw.split(",") if isinstance(raw, str) else list(raw)
        values = _identity_values(sources, request, stage.stage_variables)
        if values is None:
            return Decision(answers.unauthorized())
        arn = policy.method_arn(api.backend.region_name, ACCOUNT, api.api_id, stage.name,
                                request.method, request.path)
        if (authorizer.auth_payload_format_version or "2.0") == "1.0":
            event = {"type": "REQUEST", "methodArn": arn,
                     **event_v1(request, route.route_key, match.path_parameters,
                                stage.stage_variables or {}, route_key=route.route_key)}
        else:
            event = {"type": "REQUEST", "routeArn": arn, "identitySource": values,
                     **event_v2(request, route.route_key, match.path_parameters,
                                stage.stage_variables or {})}
        ttl = int(authorizer.auth_result_ttl or 0)   # 0 (caching off) unless set, max 3600
        key = (api.api_id, authorizer.id, *values) if sources else None
        doc = self.cache.get(key) if key and ttl > 0 else None
        if doc is None:
            doc, error = self._invoke(authorizer.authorizer_uri, event)
            if error == "Unauthorized":
                return Decision(answers.unauthorized())
            if error is not None or not isinstance(doc, dict):
                print(f"labkit: HTTP API authorizer failed: {error}", file=sys.stderr)
                return Decision(answers.internal_server_error_http())
            if key:
                self.cache.put(key, min(ttl, 3600), doc)
        if authorizer.enable_simple_response:
            allowed = doc.get("isAuthorized") is True
        else:
            allowed = policy.evaluate(doc.get("policyDocument"), arn) == policy.ALLOW
        if not allowed:
            return Decision(answers.message(403, "Forbidden"))
        context = dict(doc.get("context") or {})
        if not authorizer.enable_simple_response and doc.get("principalId") is not None:
            context.setdefault("principalId", doc.get("principalId"))
        return Decision(context={"lambda": context})


def _full_match(pattern: str, value: str) -> bool:
    """identityValidationExpression: a token that does not match is refused (401)."""
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True
