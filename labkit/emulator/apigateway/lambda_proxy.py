"""One Lambda proxy integration call: event in, HTTP response out, errors as API Gateway
answers them (Lambda Developer Guide, "Handling Lambda errors with an API Gateway API": if
Lambda rejects the invocation API Gateway returns 500; if the function returns an error or
a response in the wrong format, 502 {"message": "Internal server error"} on REST APIs; HTTP
APIs answer 500 {"message":"Internal Server Error"} (API Gateway Developer Guide,
"Troubleshooting issues with HTTP API Lambda integrations"))."""
from __future__ import annotations

import json
import sys
import time

from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway.lambda_call import call
from labkit.emulator.apigateway.proxy_responses import MalformedResponse, response_v1, response_v2

REST, HTTP = "REST", "HTTP"


def _rejected(flavour: str) -> answers.ApiResponse:
    """Lambda refused the invocation (throttled, no such function)."""
    if flavour == REST:
        return answers.message(500, "Internal server error")
    return answers.internal_server_error_http()


def _failed(flavour: str) -> answers.ApiResponse:
    """The function raised, or answered in the wrong format."""
    if flavour == REST:
        return answers.internal_server_error_rest()
    return answers.internal_server_error_http()


def invoke(door, function: str | None, event: dict, timeout_s: float | None, payload_version: str,
           flavour: str, timing: dict | None = None) -> answers.ApiResponse:
    """Call ``function`` with ``event``; ``timing`` (if given) gets integration_ms."""
    if function is None:
        return _rejected(flavour)
    started = time.monotonic()
    outcome = call(door.runtime(), function, json.dumps(event).encode(),
                   timeout_s if door.enforce_timeouts else None)
    if timing is not None:
        timing["integration_ms"] = (time.monotonic() - started) * 1000
    if outcome.timed_out:
        return answers.endpoint_timed_out() if flavour == REST else answers.service_unavailable()
    if outcome.result is None:
        return _rejected(flavour)
    if outcome.result.function_error:
        return _failed(flavour)
    parse = response_v2 if payload_version == "2.0" else response_v1
    try:
        return parse(outcome.result.payload)
    except MalformedResponse as exc:
        print(f"labkit: API Gateway: malformed Lambda proxy response from {function}: {exc}",
              file=sys.stderr)
        return _failed(flavour)
