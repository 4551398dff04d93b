"""Lambda proxy events and responses, payload 1.0 and 2.0 (pure logic)."""
from __future__ import annotations

import base64
import json

import pytest

from labkit.emulator.apigateway.http_messages import ApiRequest
from labkit.emulator.apigateway.proxy_events import event_v1, event_v2
from labkit.emulator.apigateway.proxy_responses import MalformedResponse, response_v1, response_v2


def _request(**kw):
    base = dict(api_id="a1", stage="dev", method="POST", path="/items/1", raw_query="x=1&x=2",
                headers=[("Content-Type", "application/json"), ("Cookie", "a=1; b=2"),
                         ("X-Multi", "p"), ("X-Multi", "q")], body=b'{"k": 1}')
    base.update(kw)
    return ApiRequest(**base)


def test_v1_event():
    event = event_v1(_request(), "/items/{id}", {"id": "1"}, {"v": "1"})
    assert event["headers"]["X-Multi"] == "q" and event["multiValueHeaders"]["X-Multi"] == ["p", "q"]
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["stageVariables"] == {"v": "1"} and event["body"] == '{"k": 1}'
    assert event["requestContext"]["path"] == "/dev/items/1"
    assert "version" not in event


def test_v2_event_joins_values_and_splits_cookies():
    event = event_v2(_request(stage="$default"), "POST /items/{id}", {"id": "1"}, {})
    assert event["headers"]["x-multi"] == "p,q" and "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["rawPath"] == "/items/1" and "stageVariables" not in event


def test_binary_bodies_travel_base64():
    event = event_v1(_request(headers=[("Content-Type", "image/png")], body=b"\x89PNG"), "/", {}, {})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG"


def test_v1_response_and_malformed_ones():
    r = response_v1(json.dumps({"statusCode": 404, "headers": {"A": "1"},
                                "multiValueHeaders": {"B": ["1", "2"]}, "body": "no"}).encode())
    assert (r.status, r.headers, r.body) == (404, [("A", "1"), ("B", "1"), ("B", "2")], b"no")
    r = response_v1(json.dumps({"statusCode": 200, "isBase64Encoded": True,
                                "body": base64.b64encode(b"\x00").decode()}).encode())
    assert r.body == b"\x00"
    for bad in (b'{"body": "x"}', b'"text"', b'{"statusCode": "abc"}',
                b'{"statusCode": 200, "body": {"not": "a string"}}',
                b'{"statusCode": 200, "cookies": []}', b"not json"):
        with pytest.raises(MalformedResponse):
            response_v1(bad)


def test_v2_infers_a_response_from_plain_json():
    r = response_v2(b'{"hello": "world"}')
    assert r.status == 200 and r.body == b'{"hello": "world"}'
    assert ("Content-Type", "application/json") in r.headers
    r = response_v2(b'{"statusCode": 201, "cookies": ["c=1"], "body": "x"}')
    assert r.status == 201 and ("Set-Cookie", "c=1") in r.headers
