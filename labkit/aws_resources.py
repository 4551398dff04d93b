"""Naming and tagging of everything the kit creates, so `labkit teardown` can find it all again.

On real AWS a forgotten queue poller or alarm keeps costing money after the class. Every
resource the kit creates therefore
  * is named `labkit-<owner>-<name>` (name(): same on every backend, so notebooks look alike);
  * carries the tags `labkit:managed=true` and `labkit:owner=<owner>`; on the aws backend
    install_default_tagging() adds them to every create call made through boto3's default
    session, so plain `boto3.client(...)` learner code is tagged too.
<owner> is LABKIT_OWNER if set (set it per learner when a class shares one account), else the
login name; lowercase letters and digits, at most 16 characters.
"""
from __future__ import annotations

import getpass
import os
import re

PREFIX = "labkit-"
MANAGED_TAG = "labkit:managed"
OWNER_TAG = "labkit:owner"

# (botocore service id, operation, parameter, tag shape) for every create call teardown covers.
# Shapes differ per API: a {key: value} map, [{"Key", "Value"}] or Step Functions' [{"key", "value"}].
CREATE_CALLS = [
    ("lambda", "CreateFunction", "Tags", "map"),
    ("lambda", "CreateEventSourceMapping", "Tags", "map"),
    ("sqs", "CreateQueue", "tags", "map"),
    ("sns", "CreateTopic", "Tags", "list"),
    ("dynamodb", "CreateTable", "Tags", "list"),
    ("sfn", "CreateStateMachine", "tags", "lower-list"),
    ("eventbridge", "PutRule", "Tags", "list"),
    ("cloudwatch", "PutMetricAlarm", "Tags", "list"),
    ("cloudwatch-logs", "CreateLogGroup", "tags", "map"),
    ("api-gateway", "CreateRestApi", "tags", "map"),
    ("apigatewayv2", "CreateApi", "Tags", "map"),
    ("eventbridge", "CreateEventBus", "Tags", "list"),
    ("iam", "CreateRole", "Tags", "list"),
    ("cloudformation", "CreateStack", "Tags", "list"),
]


def owner(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    raw = env.get("LABKIT_OWNER") or _login()
    slug = re.sub(r"[^a-z0-9]", "", raw.lower())[:16]
    return slug or "learner"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "learner"


def owner_prefix(env: dict[str, str] | None = None) -> str:
    return f"{PREFIX}{owner(env)}-"


def name(base: str, env: dict[str, str] | None = None) -> str:
    """`labkit-<owner>-<base>`; idempotent, so helpers may call it twice safely."""
    prefix = owner_prefix(env)
    return base if base.startswith(prefix) else prefix + base


def tags(env: dict[str, str] | None = None) -> dict[str, str]:
    return {MANAGED_TAG: "true", OWNER_TAG: owner(env)}


def tags_as(shape: str, env: dict[str, str] | None = None) -> dict | list:
    """The kit's tags in the shape one API wants ("map", "list" or "lower-list")."""
    if shape == "map":
        return tags(env)
    if shape == "list":
        return [{"Key": k, "Value": v} for k, v in tags(env).items()]
    return [{"key": k, "value": v} for k, v in tags(env).items()]


def add_tags(params: dict, param: str, shape: str, env: dict[str, str] | None = None) -> None:
    """Merge the kit's tags into a create call's parameters (the caller's own tags are kept)."""
    ours = tags_as(shape, env)
    if shape == "map":
        params[param] = {**params.get(param, {}), **ours}
        return
    key = "Key" if shape == "list" else "key"
    theirs = [t for t in params.get(param, []) if t.get(key) not in tags(env)]
    params[param] = theirs + list(ours)


def install_default_tagging(session=None, env: dict[str, str] | None = None):
    """Tag every create call of every client made from session (default: boto3's default
    session, which plain `boto3.client()` uses). Returns the session."""
    import boto3

    if session is None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
    for service, operation, param, shape in CREATE_CALLS:
        def handler(params, _param=param, _shape=shape, **_):
            add_tags(params, _param, _shape, env)
        session.events.register(f"provide-client-params.{service}.{operation}", handler,
                                unique_id=f"labkit-tags-{service}-{operation}")
    return session


def is_managed(resource_name: str, resource_tags: dict[str, str], *, all_owners: bool = False,
               env: dict[str, str] | None = None) -> bool:
    """Is this resource the kit's (this owner's, unless all_owners)? By tag, or by name prefix."""
    if resource_tags.get(MANAGED_TAG) == "true":
        return all_owners or resource_tags.get(OWNER_TAG) == owner(env)
    return resource_name.startswith(PREFIX if all_owners else owner_prefix(env))
