"""A function's answer to a Lambda proxy integration, turned into the HTTP response.

Payload 1.0 (API Gateway Developer Guide, "Output format of a Lambda function for proxy
integration"): a JSON object {statusCode, headers, multiValueHeaders, body, isBase64Encoded};
anything else is a malformed Lambda proxy response: 502 {"message": "Internal server error"}.
Payload 2.0 ("Create AWS Lambda proxy integrations for HTTP APIs in API Gateway"): the same
object, plus cookies; and when the function returns valid JSON without a statusCode, API
Gateway assumes statusCode 200, content-type application/json, and the JSON as the body.
"""
from __future__ import annotations

import base64
import json
from typing import Any

from labkit.emulator.apigateway.http_messages import ApiResponse

_V1_FIELDS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


class MalformedResponse(Exception):
    """The function answered, but not in the proxy integration's output format."""


def _status(value) -> int:
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise MalformedResponse(f"statusCode {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _headers(doc: dict) -> list[tuple[str, str]]:
    headers = doc.get("headers") or {}
    multi = doc.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise MalformedResponse("headers must be objects")
    out = [(str(k), str(v)) for k, v in headers.items() if k not in multi]
    for k, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders values must be lists")
        out += [(str(k), str(v)) for v in values]
    return out


def _body(doc: dict) -> bytes:
    body = doc.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    if doc.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode()


def _document(payload: bytes) -> Any:
    try:
        return json.loads(payload or b"null")
    except ValueError:
        raise MalformedResponse("not JSON") from None


def response_v1(payload: bytes) -> ApiResponse:
    doc = _document(payload)
    if not isinstance(doc, dict) or "statusCode" not in doc:
        raise MalformedResponse("no statusCode")
    if set(doc) - _V1_FIELDS:
        raise MalformedResponse(f"unexpected fields {sorted(set(doc) - _V1_FIELDS)}")
    return ApiResponse(_status(doc["statusCode"]), _headers(doc), _body(doc))


def response_v2(payload: bytes) -> ApiResponse:
    doc = _document(payload)
    if not isinstance(doc, dict) or "statusCode" not in doc:
        # the function returned JSON without a statusCode: API Gateway infers the response
        return ApiResponse(200, [("Content-Type", "application/json")],
                           payload if payload else b"null")
    headers = _headers(doc)
    cookies = doc.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list")
    headers += [("Set-Cookie", str(c)) for c in cookies]
    return ApiResponse(_status(doc["statusCode"]), headers, _body(doc))
