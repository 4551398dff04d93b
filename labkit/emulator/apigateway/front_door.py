"""The "apigateway" component: a WSGI app answering requests to deployed APIs.

It reads APIs, stages, resources, routes and integrations from moto's apigateway and
apigatewayv2 backends (nothing is stored twice). The patches switch its features on:
apigateway_lambda_proxy serves invoke URLs; apigateway_integration_timeout stops waiting at
the integration timeout; apigateway_throttling enforces stage limits; apigateway_authorizers
runs Lambda authorizers; apigateway_sqs_integration serves SQS SendMessage integrations.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable

from labkit.emulator.apigateway import http_gateway, invoke_url, rest_gateway
from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway.http_messages import ApiRequest, ApiResponse

REGION = "us-east-1"
ACCOUNT = "123456789012"


class ApiGatewayFrontDoor:
    name = "apigateway"

    def __init__(self, runtime_lookup: Callable[[], Any]):
        self.runtime = runtime_lookup          # -> the "lambda-runtime" component
        self.enforce_timeouts = False          # apigateway_integration_timeout
        self.throttling = None                 # apigateway_throttling: token_bucket.Buckets
        self.authorizers = None                # apigateway_authorizers: authorizers.Authorizers
        self.service_integrations: dict[str, Any] = {}   # "sqs": sqs_integration.SqsIntegration
        # metrics: observe(dimensions, status, latency_ms, integration_ms) after each request
        self.observers: list[Callable[..., None]] = []
        self.requests = 0

    # -- component ------------------------------------------------------------------------
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def reset(self) -> None:
        if self.throttling is not None:
            self.throttling.clear()
        if self.authorizers is not None:
            self.authorizers.clear()
        self.requests = 0

    def health(self) -> dict[str, Any]:
        return {"requests": self.requests, "timeouts": self.enforce_timeouts,
                "throttling": self.throttling is not None,
                "authorizers": self.authorizers.health() if self.authorizers else None,
                "service_integrations": sorted(self.service_integrations)}

    # -- WSGI -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        target = invoke_url.parse(environ.get("PATH_INFO", ""))
        if target is None:   # the server routes only invoke URLs here
            return _send(start_response, answers.message(404, "Not Found"))
        request = ApiRequest(
            api_id=target.api_id, stage=target.stage or "$default",
            method=environ.get("REQUEST_METHOD", "GET").upper(), path=target.path,
            raw_query=environ.get("QUERY_STRING", ""), headers=_headers(environ),
            body=_body(environ), source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"))
        return _send(start_response, self.serve(target, request))

    def serve(self, target: invoke_url.InvokeTarget, request: ApiRequest) -> ApiResponse:
        self.requests += 1
        started = time.monotonic()
        timing: dict[str, Any] = {}
        rest_api = _rest_api(target.api_id)
        http_api = None if (rest_api is not None or target.rest_only) else _http_api(target.api_id)
        dimensions = None   # the API stage's CloudWatch dimensions, once both are known
        try:
            if rest_api is not None:
                stage = rest_api.stages.get(target.stage or "")
                if stage is None:
                    response = answers.message(403, "Forbidden")
                else:
                    dimensions = (("ApiName", rest_api.name), ("Stage", stage.name))
                    response = rest_gateway.handle(self, rest_api, stage, request, timing)
            elif http_api is not None:
                stage, request = _http_stage(http_api, target, request)
                if stage is None:
                    response = answers.not_found()
                else:
                    dimensions = (("ApiId", http_api.api_id), ("Stage", stage.name))
                    response = http_gateway.handle(self, http_api, stage, request, timing)
            else:
                response = answers.message(404, "Not Found")   # no such API
        except Exception as exc:   # a bug of ours must not look like the API's answer
            print(f"labkit: API Gateway front door failed: {exc!r}", file=sys.stderr)
            response = answers.message(500, "Internal server error")
        response.headers.append(("x-amzn-RequestId", request.request_id))
        for observe in self.observers if dimensions else ():
            try:
                observe(dimensions, response.status, (time.monotonic() - started) * 1000,
                        timing.get("integration_ms"))
            except Exception as exc:
                print(f"labkit: API Gateway observer failed: {exc!r}", file=sys.stderr)
        return response


def _rest_api(api_id: str):
    from moto.apigateway.models import apigateway_backends

    return _find(apigateway_backends, api_id)


def _http_api(api_id: str):
    from moto.apigatewayv2.models import apigatewayv2_backends

    api = _find(apigatewayv2_backends, api_id)
    return api if api is not None and api.protocol_type == "HTTP" else None


def _find(backends, api_id: str):
    """The API in whichever region of the account holds it (ids are unique)."""
    regions = backends[ACCOUNT]
    for backend in [regions[REGION], *[b for r, b in list(regions.items()) if r != REGION]]:
        api = backend.apis.get(api_id)
        if api is not None:
            return api
    return None


def _http_stage(api, target: invoke_url.InvokeTarget, request: ApiRequest):
    """A named stage serves /{stage}/...; the $default stage serves every other path
    (API Gateway Developer Guide, "Stages for HTTP APIs in API Gateway")."""
    if target.stage and target.stage in api.stages:
        return api.stages[target.stage], request
    if "$default" in api.stages:
        path = f"/{target.stage}{target.path}" if target.stage else target.path
        request.stage, request.path = "$default", path or "/"
        return api.stages["$default"], request
    return None, request


def _headers(environ) -> list[tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").title(), value))
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            out.append((name, environ[key]))
    return out


def _body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _send(start_response, response: ApiResponse) -> list[bytes]:
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(response.body))))
    start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", headers)
    return [response.body]


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}
