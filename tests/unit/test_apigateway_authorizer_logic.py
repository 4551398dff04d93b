"""Authorizer policy evaluation and result cache; the SQS template form (pure logic)."""
from __future__ import annotations

from labkit.emulator.apigateway.authorizer_cache import AuthorizerCache
from labkit.emulator.apigateway.authorizer_policy import (ALLOW, DENY, IMPLICIT_DENY, evaluate,
                                                          method_arn)
from labkit.emulator.apigateway.http_messages import ApiRequest
from labkit.emulator.apigateway.sqs_integration import render_template

ARN = method_arn("us-east-1", "123456789012", "api1", "dev", "GET", "/items/1")


def _policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _stmt(effect, resource, action="execute-api:Invoke"):
    return {"Effect": effect, "Action": action, "Resource": resource}


def test_policy_evaluation():
    assert ARN == "arn:aws:execute-api:us-east-1:123456789012:api1/dev/GET/items/1"
    assert evaluate(_policy(_stmt("Allow", ARN)), ARN) == ALLOW
    assert evaluate(_policy(_stmt("Allow", "arn:aws:execute-api:*:*:api1/*/GET/*")), ARN) == ALLOW
    assert evaluate(_policy(_stmt("Allow", "*"), _stmt("Deny", ARN)), ARN) == DENY
    assert evaluate(_policy(_stmt("Allow", [ARN.replace("GET", "POST")])), ARN) == IMPLICIT_DENY
    assert evaluate(_policy(_stmt("Allow", ARN, action="s3:GetObject")), ARN) == IMPLICIT_DENY
    assert evaluate(_policy(_stmt("Allow", ARN, action=["execute-api:*"])), ARN) == ALLOW
    assert evaluate(None, ARN) == IMPLICIT_DENY


def test_cache_ttl_and_zero_ttl():
    now = [0.0]
    cache = AuthorizerCache(clock=lambda: now[0])
    cache.put(("k",), 300, {"p": 1})
    cache.put(("off",), 0, {"p": 2})
    assert cache.get(("k",)) == {"p": 1} and cache.get(("off",)) is None
    now[0] = 301
    assert cache.get(("k",)) is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_sqs_template_forms():
    request = ApiRequest(api_id="a", stage="dev", method="POST", path="/", body=b"a b&c")
    assert render_template("Action=SendMessage&MessageBody=$util.urlEncode($input.body)", request) \
        == {"Action": "SendMessage", "MessageBody": "a b&c"}
    plain = ApiRequest(api_id="a", stage="dev", method="POST", path="/", body=b'{"n": 1}')
    assert render_template("Action=SendMessage&MessageBody=$input.body", plain) \
        == {"Action": "SendMessage", "MessageBody": '{"n": 1}'}
