"""The request a client sent to an invoke URL, and the response the gateway gives back."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass
class ApiRequest:
    """One request to a deployed API, as API Gateway sees it after the stage is known."""

    api_id: str
    stage: str                 # the stage name from the URL (may be "$default" for HTTP APIs)
    method: str
    path: str                  # the path after the stage, always starting with "/"
    raw_query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)   # in the order sent
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (names are case-insensitive)."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        return next((v for k, v in self.query_pairs() if k == name), None)


@dataclass
class ApiResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def json_answer(status: int, document) -> ApiResponse:
    """API Gateway's own answers (errors, throttles) are small JSON documents."""
    return ApiResponse(status, [("Content-Type", "application/json")],
                       json.dumps(document).encode())


def message(status: int, text: str | None) -> ApiResponse:
    return json_answer(status, {"message": text})


# The gateway responses a client sees (API Gateway Developer Guide, "Gateway response types
# for API Gateway"; HTTP APIs: "Troubleshooting issues with HTTP API Lambda integrations").
def missing_authentication_token() -> ApiResponse:   # REST: no resource or method matched
    return message(403, "Missing Authentication Token")


def not_found() -> ApiResponse:                        # HTTP API: no route matched
    return message(404, "Not Found")


def internal_server_error_rest() -> ApiResponse:       # REST proxy: function error, bad answer
    return message(502, "Internal server error")


def internal_server_error_http() -> ApiResponse:
    return message(500, "Internal Server Error")


def endpoint_timed_out() -> ApiResponse:               # REST: INTEGRATION_TIMEOUT
    return message(504, "Endpoint request timed out")


def service_unavailable() -> ApiResponse:              # HTTP API: integration timed out
    return message(503, "Service Unavailable")


def too_many_requests() -> ApiResponse:                # THROTTLED
    return message(429, "Too Many Requests")


def unauthorized() -> ApiResponse:                     # UNAUTHORIZED
    return message(401, "Unauthorized")
