"""labkit.cleanup.remove_run: a lesson's clean_up() deletes every resource of its run, in every
service the kit uses, and nothing of another run; tested against moto's in-process mock.

AWS behaviours relied on (what the mock reproduces, cited in labkit/cleanup.py): a role keeps
its attached and inline policies until they are removed, and DeleteRole refuses a role that has
any; DeleteBucket refuses a bucket that is not empty; a rule with targets cannot be deleted.
"""
from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from moto import mock_aws

from labkit import cleanup
from tests.unit.test_teardown import REGION, _create_everything, _inventory, _kinds

RUN, OTHER_RUN = "l99-a1b2c3", "l99-d4e5f6"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})


@pytest.fixture
def session():
    with mock_aws():
        yield boto3.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")


def _create_a_run(session: boto3.Session, prefix: str) -> str:
    """Every kind of resource a lesson creates, named with ``prefix``; -> the role's ARN."""
    iam = session.client("iam")
    role = iam.create_role(RoleName=f"{prefix}-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    policy = iam.create_policy(PolicyName=f"{prefix}-logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName=f"{prefix}-role", PolicyArn=policy["Policy"]["Arn"])
    iam.put_role_policy(RoleName=f"{prefix}-role", PolicyName="orders", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
    _create_everything(session, prefix, role)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=f"{prefix}-templates")
    s3.put_object(Bucket=f"{prefix}-templates", Key="stack.json", Body=TEMPLATE.encode())
    events = session.client("events")
    events.create_event_bus(Name=f"{prefix}-bus")
    events.put_rule(Name=f"{prefix}-on-bus", EventBusName=f"{prefix}-bus", EventPattern=json.dumps({"source": ["x"]}))
    session.client("cloudformation").create_stack(StackName=f"{prefix}-stack", TemplateBody=TEMPLATE)
    return role


def _everything(session: boto3.Session) -> set[str]:
    names = _inventory(session)
    names |= {r["RoleName"] for r in session.client("iam").list_roles()["Roles"]}
    names |= {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    names |= {b["Name"] for b in session.client("events").list_event_buses()["EventBuses"]}
    names |= {r["Name"] for r in session.client("events").list_rules(EventBusName=f"{RUN}-bus")["Rules"]
              } if f"{RUN}-bus" in names else set()
    names |= {s["StackName"] for s in session.client("cloudformation").list_stacks()["StackSummaries"]
              if s["StackStatus"] != "DELETE_COMPLETE"}
    return names


def _run_kinds(prefix: str) -> set[str]:
    return _kinds(prefix) | {f"{prefix}-role", f"{prefix}-templates", f"{prefix}-bus", f"{prefix}-stack"}


def test_remove_run_deletes_every_kind_of_its_run_and_nothing_else(session):
    _create_a_run(session, RUN)
    _create_a_run(session, OTHER_RUN)
    assert _run_kinds(RUN) | _run_kinds(OTHER_RUN) <= _everything(session)

    removed = cleanup.remove_run(RUN, session.client, stacks=True)

    left = _everything(session)
    assert not _run_kinds(RUN) & left, sorted(_run_kinds(RUN) & left)
    assert _run_kinds(OTHER_RUN) <= left
    assert removed.left == []
    assert removed.deleted["iam role"] == 1 and removed.deleted["s3 bucket"] == 1
    assert removed.deleted["event bus"] == 1 and removed.deleted["eventbridge rule"] == 2
    assert removed.deleted["cloudformation stack"] == 1 and removed.deleted["lambda function"] == 1
    assert str(removed).startswith(f"deleted under {RUN}: ") and str(removed).endswith("nothing left")
    # a second clean-up finds nothing to delete, and says so
    assert cleanup.remove_run(RUN, session.client, stacks=True).deleted == Counter()


def test_a_failed_deletion_is_named_and_the_rest_still_goes():
    def refuse():
        raise RuntimeError("AccessDenied")

    class Gone(Exception):
        response = {"Error": {"Code": "ResourceNotFoundException"}}

    def gone():
        raise Gone()

    deleted = []
    found = [cleanup.Found("sqs queue", "stuck", refuse), cleanup.Found("sqs queue", "gone", gone),
             cleanup.Found("sqs queue", "fine", lambda: deleted.append("fine"))]
    failures = cleanup.delete_all(found)
    assert [(item.name, str(exc)) for item, exc in failures] == [("stuck", "AccessDenied")]
    assert deleted == ["fine"]   # past the failure; the one already gone is not a failure


def test_remove_run_refuses_a_prefix_that_could_name_other_runs(session):
    with pytest.raises(ValueError, match="too short"):
        cleanup.remove_run("l0", session.client)


def test_what_could_not_be_deleted_raises_with_its_name(session, monkeypatch):
    _create_a_run(session, RUN)
    sqs = session.client("sqs")

    def client(service):
        if service == "sqs":
            return sqs
        return session.client(service)

    monkeypatch.setattr(sqs, "delete_queue", lambda **kw: (_ for _ in ()).throw(RuntimeError("AccessDenied")))
    with pytest.raises(RuntimeError, match=f"LEFT BEHIND: sqs queue {RUN}-q: AccessDenied"):
        cleanup.remove_run(RUN, client)


def test_a_lesson_clean_up_leaves_stacks_to_the_lesson_unless_asked(session):
    session.client("cloudformation").create_stack(StackName=f"{RUN}-stack", TemplateBody=TEMPLATE)

    def stacks():
        return [s["StackName"] for s in session.client("cloudformation").list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE"]

    assert "cloudformation stack" not in cleanup.remove_run(RUN, session.client).deleted
    assert stacks() == [f"{RUN}-stack"]
    assert cleanup.remove_run(RUN, session.client, stacks=True).deleted["cloudformation stack"] == 1
    assert stacks() == []
