"""labkit.deploy creates a function again while Lambda cannot yet assume a role just created
(IAM is eventually consistent), and fails at once on any other invalid parameter."""
from __future__ import annotations

import pytest

from labkit import deploy


class InvalidParameterValueException(Exception):
    pass


class FakeLambda:
    class exceptions:
        InvalidParameterValueException = InvalidParameterValueException

    def __init__(self, failures: list[str]):
        self.failures, self.calls = list(failures), 0

    def create_function(self, **request):
        self.calls += 1
        if self.failures:
            raise InvalidParameterValueException(self.failures.pop(0))
        return {"FunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{request['FunctionName']}"}


ROLE_NOT_YET = "The role defined for the function cannot be assumed by Lambda."


def test_a_role_not_yet_assumable_is_waited_for(monkeypatch):
    monkeypatch.setattr(deploy.time, "sleep", lambda s: None)
    lam = FakeLambda([ROLE_NOT_YET, ROLE_NOT_YET])
    assert deploy._create(lam, {"FunctionName": "f"}).endswith(":function:f")
    assert lam.calls == 3


def test_another_invalid_parameter_fails_at_once(monkeypatch):
    monkeypatch.setattr(deploy.time, "sleep", lambda s: None)
    lam = FakeLambda(["Value 'python2.7' at 'runtime' failed to satisfy constraint"])
    with pytest.raises(InvalidParameterValueException, match="runtime"):
        deploy._create(lam, {"FunctionName": "f"})
    assert lam.calls == 1


def test_the_wait_for_a_role_has_an_end(monkeypatch):
    monkeypatch.setattr(deploy.time, "sleep", lambda s: None)
    lam = FakeLambda([ROLE_NOT_YET] * 1000)
    with pytest.raises(InvalidParameterValueException, match="cannot be assumed"):
        deploy._create(lam, {"FunctionName": "f"}, patience_s=0)


def test_the_role_it_creates_lets_functions_log_and_poll_queues(server):
    """On AWS a function whose role lacks these writes no logs, and an SQS mapping for it is
    refused: every lesson reads logs, several map queues."""
    import boto3

    kw = dict(endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t",
              aws_secret_access_key="t")
    lam, iam = boto3.client("lambda", **kw), boto3.client("iam", **kw)
    role = "role-propagation-test"
    assert deploy.ensure_role(lam, role) == deploy.ensure_role(lam, role)
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}
    assert attached == set(deploy.ROLE_POLICIES)
