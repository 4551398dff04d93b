"""Evaluating the IAM policy a Lambda authorizer returns, against the method ARN.

API Gateway Developer Guide, "Output from an API Gateway Lambda authorizer": the policy's
statements Allow or Deny execute-api:Invoke on method ARNs
(arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}, "*" and "?" as
wildcards); an explicit Deny wins, and without an Allow the caller is denied.
"""
from __future__ import annotations

import re

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$")


def _action_matches(actions) -> bool:
    return any(_wildcard(str(a)).match("execute-api:Invoke") for a in _as_list(actions))


def evaluate(policy: dict | None, method_arn: str) -> str:
    """ALLOW, DENY (an explicit Deny matched) or IMPLICIT_DENY (no Allow matched)."""
    if not isinstance(policy, dict):
        return IMPLICIT_DENY
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or not _action_matches(statement.get("Action")):
            continue
        if not any(_wildcard(str(r)).match(method_arn) for r in _as_list(statement.get("Resource"))):
            continue
        effect = str(statement.get("Effect", "")).capitalize()
        if effect == DENY:
            return DENY
        allowed = allowed or effect == ALLOW
    return ALLOW if allowed else IMPLICIT_DENY


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"
