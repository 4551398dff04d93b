"""Lambda authorizers: 401 / 403 / context / TTL cache (patch apigateway_authorizers)."""
from __future__ import annotations

import json

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.apigateway_helpers import (REGION, call_json, http_api, invocations,
                                                  lambda_uri, rest_api, unique)

TOKEN_AUTHORIZER = """
def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = event.get("authorizationToken") or headers.get("authorization", "")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    effect = "Deny" if token == "deny" else "Allow"
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect,
                 "Resource": event["methodArn"]}]},
            "context": {"team": "blue", "token": token}}
"""

SIMPLE_AUTHORIZER = """
def handler(event, context):
    token = event["headers"].get("authorization", "")
    return {"isAuthorized": token.startswith("ok"), "context": {"who": token}}
"""

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


@pytest.fixture(scope="module")
def lam(aws):
    return aws("lambda", config=Config(retries={"max_attempts": 0}))


@pytest.fixture(scope="module")
def echo_arn(lam):
    return deploy_function(lam, unique("authz-echo"), ECHO)


def _rest_with_authorizer(aws, lam, echo_arn, ttl: int, kind: str = "TOKEN"):
    name = unique("authz")
    authorizer_arn = deploy_function(lam, name, TOKEN_AUTHORIZER)
    apigw = aws("apigateway")
    api_id = apigw.create_rest_api(name=unique("guarded"))["id"]
    authorizer_id = apigw.create_authorizer(
        restApiId=api_id, name="gate", type=kind, authorizerUri=lambda_uri(authorizer_arn),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=ttl)["id"]
    rest_api(apigw, echo_arn, [("/secret", "GET"), ("/other", "GET")],
             authorizer_id=authorizer_id, api_id=api_id)
    return name, api_id


@pytest.fixture
def guarded(aws, server, lam, echo_arn):
    def make(ttl: int, kind: str = "TOKEN"):
        name, api_id = _rest_with_authorizer(aws, lam, echo_arn, ttl, kind)
        return name, f"{server.url}/restapis/{api_id}/dev/_user_request_"
    return make


def test_token_authorizer_allow_deny_unauthorized_and_missing(aws, guarded):
    """AWS (API Gateway Developer Guide, "Use API Gateway Lambda authorizers"): a request
    without the identity source is answered 401 Unauthorized without calling the authorizer;
    an authorizer raising "Unauthorized" answers 401; an explicit Deny answers 403 "User is
    not authorized to access this resource with an explicit deny"; on Allow the context and
    principalId reach the backend in requestContext.authorizer."""
    name, base = guarded(ttl=0)
    assert call_json(f"{base}/secret") == (401, {"message": "Unauthorized"})
    status, context = call_json(f"{base}/secret", headers={"Authorization": "alice"})
    assert status == 200
    assert context["principalId"] == "user-alice" and context["team"] == "blue"
    assert call_json(f"{base}/secret", headers={"Authorization": "deny"}) == (403, {
        "Message": "User is not authorized to access this resource with an explicit deny"})
    assert call_json(f"{base}/secret", headers={"Authorization": "unauthorized"}) == (
        401, {"message": "Unauthorized"})
    cw = aws("cloudwatch")
    wait_until(lambda: invocations(cw, name) >= 3, 60, what="3 authorizer invocations")
    assert invocations(cw, name) == 3      # the request without a token never called it


def test_authorizer_results_are_cached_for_the_ttl(aws, guarded):
    """AWS (same page): with authorizerResultTtlInSeconds > 0 the returned policy is cached,
    keyed by the token, and the authorizer is not called again for it; the cached policy
    applies to every method it names (here it names only /secret, so /other is denied
    from the cache); TTL 0 turns caching off."""
    cached_name, cached = guarded(ttl=300)
    for _ in range(3):
        assert call_json(f"{cached}/secret", headers={"Authorization": "bob"})[0] == 200
    assert call_json(f"{cached}/other", headers={"Authorization": "bob"})[0] == 403
    assert call_json(f"{cached}/secret", headers={"Authorization": "carol"})[0] == 200
    uncached_name, uncached = guarded(ttl=0)
    for _ in range(3):
        assert call_json(f"{uncached}/secret", headers={"Authorization": "bob"})[0] == 200
    cw = aws("cloudwatch")
    wait_until(lambda: invocations(cw, cached_name) >= 2 and invocations(cw, uncached_name) >= 3,
               60, what="authorizer invocations")
    assert invocations(cw, cached_name) == 2        # bob once (then cached), carol once
    assert invocations(cw, uncached_name) == 3


def test_request_authorizer_gets_the_request(aws, guarded):
    """AWS (same page, "Input to an API Gateway Lambda authorizer"): a REQUEST authorizer
    receives type REQUEST, methodArn, and the request's headers, path and parameters."""
    _, base = guarded(ttl=0, kind="REQUEST")
    status, context = call_json(f"{base}/secret", headers={"Authorization": "dave"})
    assert status == 200 and context["token"] == "dave"
    assert call_json(f"{base}/secret")[0] == 401


def test_http_api_simple_response_authorizer(aws, server, lam, echo_arn):
    """AWS (API Gateway Developer Guide, "Control access to HTTP APIs with AWS Lambda
    authorizers"): with simple responses the authorizer returns {"isAuthorized", "context"};
    false answers 403 {"message":"Forbidden"}, a missing identity source 401, and the
    context reaches the backend as requestContext.authorizer.lambda; results are cached for
    AuthorizerResultTtlInSeconds keyed by the identity sources."""
    name = unique("simple-authz")
    authorizer_arn = deploy_function(lam, name, SIMPLE_AUTHORIZER)
    apigw2 = aws("apigatewayv2")
    api_id = apigw2.create_api(Name=unique("guarded-http"), ProtocolType="HTTP")["ApiId"]
    authorizer_id = apigw2.create_authorizer(
        ApiId=api_id, Name="gate", AuthorizerType="REQUEST", AuthorizerUri=lambda_uri(authorizer_arn),
        IdentitySource=["$request.header.Authorization"], AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True, AuthorizerResultTtlInSeconds=300)["AuthorizerId"]
    integration = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=echo_arn,
        PayloadFormatVersion="2.0")["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="GET /me", Target=f"integrations/{integration}",
                        AuthorizationType="CUSTOM", AuthorizerId=authorizer_id)
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    url = f"{server.url}/_aws/execute-api/{api_id}/me"
    assert call_json(url) == (401, {"message": "Unauthorized"})
    assert call_json(url, headers={"Authorization": "nope"}) == (403, {"message": "Forbidden"})
    for _ in range(2):
        status, authorizer = call_json(url, headers={"Authorization": "ok-erin"})
        assert status == 200 and authorizer == {"lambda": {"who": "ok-erin"}}
    cw = aws("cloudwatch")
    wait_until(lambda: invocations(cw, name) >= 2, 60, what="authorizer invocations")
    assert invocations(cw, name) == 2       # "nope" once, "ok-erin" once (then cached)
