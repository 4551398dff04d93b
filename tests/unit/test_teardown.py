"""`labkit teardown` deletes exactly the kit's resources (issue 2, item 5), tested against moto's
in-process mock since no AWS account exists here.

AWS behaviours relied on (each is what the mock reproduces):
  * "Tags are key-value pairs ... you can use tags to ... identify resources" and each service
    lists them per resource (ListTags, ListQueueTags, ListTagsForResource, ListTagsOfResource,
    ListTagsLogGroup) -- AWS docs, "Tagging your AWS resources" (docs.aws.amazon.com/tag-editor);
  * "You can't delete a rule until you remove all targets" -- EventBridge API reference,
    DeleteRule ("Before you can delete the rule, you must remove all targets");
  * deleting a Lambda function does not delete its event source mappings or its log group
    /aws/lambda/NAME -- Lambda developer guide (DeleteFunction; "Lambda ... log group").
"""
from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from moto import mock_aws

from labkit import aws_resources
from labkit.commands.teardown import delete_all, find

ME = {"LABKIT_OWNER": "alice"}
OTHER = {"LABKIT_OWNER": "bob"}
REGION = "us-east-1"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def _create_everything(session: boto3.Session, base: str, role_arn: str) -> None:
    """One resource of every kind teardown covers, named base (+ suffixes)."""
    untagged = boto3.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
    lam = session.client("lambda")
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"{base}-q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = lam.create_function(FunctionName=f"{base}-fn", Runtime="python3.12", Role=role_arn,
                             Handler="app.handler", Code={"ZipFile": _zip()})
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn["FunctionArn"], BatchSize=5)
    session.client("sns").create_topic(Name=f"{base}-topic")
    session.client("dynamodb").create_table(
        TableName=f"{base}-table", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    session.client("stepfunctions").create_state_machine(
        name=f"{base}-saga", roleArn=role_arn,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
    events = session.client("events")
    events.put_rule(Name=f"{base}-rule", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule=f"{base}-rule", Targets=[{"Id": "q", "Arn": queue_arn}])
    session.client("cloudwatch").put_metric_alarm(
        AlarmName=f"{base}-dlq-alarm", MetricName="ApproximateNumberOfMessagesVisible",
        Namespace="AWS/SQS", Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold")
    session.client("apigateway").create_rest_api(name=f"{base}-rest-api")
    session.client("apigatewayv2").create_api(Name=f"{base}-http-api", ProtocolType="HTTP")
    # Lambda creates its log group itself on first run, without our tags.
    untagged.client("logs").create_log_group(logGroupName=f"/aws/lambda/{base}-fn")


def _inventory(session: boto3.Session) -> set[str]:
    lam, sqs = session.client("lambda"), session.client("sqs")
    names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    names |= {f"esm->{m['FunctionArn'].split(':')[6]}" for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    names |= {u.rsplit("/", 1)[1] for u in sqs.list_queues().get("QueueUrls", [])}
    names |= {t["TopicArn"].rsplit(":", 1)[1] for t in session.client("sns").list_topics()["Topics"]}
    names |= set(session.client("dynamodb").list_tables()["TableNames"])
    names |= {m["name"] for m in session.client("stepfunctions").list_state_machines()["stateMachines"]}
    names |= {r["Name"] for r in session.client("events").list_rules()["Rules"]}
    names |= {a["AlarmName"] for a in session.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    names |= {g["logGroupName"] for g in session.client("logs").describe_log_groups()["logGroups"]}
    names |= {a["name"] for a in session.client("apigateway").get_rest_apis()["items"]}
    names |= {a["Name"] for a in session.client("apigatewayv2").get_apis()["Items"]}
    return names


def _kinds(base: str) -> set[str]:
    return {f"{base}-fn", f"esm->{base}-fn", f"{base}-q", f"{base}-topic", f"{base}-table",
            f"{base}-saga", f"{base}-rule", f"{base}-dlq-alarm", f"/aws/lambda/{base}-fn",
            f"{base}-rest-api", f"{base}-http-api"}


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("LABKIT_OWNER", "alice")
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
        role = session.client("iam").create_role(
            RoleName="lab-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        yield session, role["Role"]["Arn"]


def _tagged_session(env) -> boto3.Session:
    session = boto3.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
    return aws_resources.install_default_tagging(session, env=env)


def test_teardown_deletes_only_labkit_resources(account):
    plain, role = account
    _create_everything(_tagged_session(ME), "orders", role)          # tagged by the hook, plain names
    _create_everything(plain, aws_resources.name("pay", ME), role)    # untagged, prefixed names
    _create_everything(plain, "prod", role)                           # someone else's real system
    _create_everything(_tagged_session(OTHER), "bobs", role)         # another learner's, tagged
    assert _kinds("orders") | _kinds("labkit-alice-pay") | _kinds("prod") | _kinds("bobs") <= _inventory(plain)

    found = find(lambda service: plain.client(service))
    assert delete_all(found) == []

    left = _inventory(plain)
    assert not (_kinds("orders") | _kinds("labkit-alice-pay")) & left
    assert _kinds("prod") <= left and _kinds("bobs") <= left


def test_all_owners_also_removes_other_learners_but_never_untagged_unprefixed(account):
    plain, role = account
    _create_everything(_tagged_session(OTHER), "bobs", role)
    _create_everything(plain, "prod", role)
    assert delete_all(find(lambda service: plain.client(service), all_owners=True)) == []
    left = _inventory(plain)
    assert not _kinds("bobs") & left and _kinds("prod") <= left


def test_dry_run_deletes_nothing(account, monkeypatch, capsys):
    plain, role = account
    _create_everything(_tagged_session(ME), "orders", role)
    before = _inventory(plain)
    from labkit.commands import teardown

    monkeypatch.setattr(teardown, "resolve", lambda: _MockBackend(plain))
    assert teardown.run(_Args(dry_run=True)) == 0
    assert "11 resource(s)" in capsys.readouterr().out
    assert _inventory(plain) == before


def test_real_aws_is_refused_without_confirmation(monkeypatch, capsys):
    from labkit.commands import teardown

    monkeypatch.setenv("LABKIT_BACKEND", "aws")
    monkeypatch.delenv("LABKIT_AWS_CONFIRM", raising=False)
    assert teardown.run(_Args(yes=True)) == 2
    assert "LABKIT_AWS_CONFIRM=1" in capsys.readouterr().err


def test_hook_tags_in_every_api_shape_and_keeps_the_callers_tags():
    params = {"Tags": [{"Key": "team", "Value": "x"}]}
    aws_resources.add_tags(params, "Tags", "list", ME)
    assert params["Tags"] == [{"Key": "team", "Value": "x"}, {"Key": "labkit:managed", "Value": "true"},
                              {"Key": "labkit:owner", "Value": "alice"}]
    params = {"tags": {"team": "x"}}
    aws_resources.add_tags(params, "tags", "map", ME)
    assert params["tags"] == {"team": "x", "labkit:managed": "true", "labkit:owner": "alice"}
    params = {}
    aws_resources.add_tags(params, "tags", "lower-list", ME)
    assert params["tags"] == [{"key": "labkit:managed", "value": "true"}, {"key": "labkit:owner", "value": "alice"}]


def test_names_are_prefixed_once_with_a_safe_owner():
    assert aws_resources.name("orders", {"LABKIT_OWNER": "Ana María.Ruiz"}) == "labkit-anamararuiz-orders"
    assert aws_resources.name(aws_resources.name("x", ME), ME) == "labkit-alice-x"


class _Args:
    def __init__(self, yes=False, dry_run=False, all_owners=False):
        self.yes, self.dry_run, self.all_owners = yes, dry_run, all_owners


class _MockBackend:
    name, endpoint_url, region = "aws", None, REGION

    def __init__(self, session):
        self.client = session.client


def test_connect_on_aws_tags_plain_boto3_creates(monkeypatch):
    """What makes learner code teardown-able on AWS: after connect(), a plain
    boto3.client("sqs").create_queue(...) carries labkit:managed / labkit:owner."""
    from labkit.backends import connect

    monkeypatch.setenv("LABKIT_OWNER", "alice")
    monkeypatch.setenv("LABKIT_BACKEND", "aws")
    monkeypatch.setenv("LABKIT_AWS_CONFIRM", "1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # restored afterwards: no global hooks leak
    with mock_aws():
        assert connect().name == "aws"
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"labkit:managed": "true", "labkit:owner": "alice"}


def test_every_create_call_tagged_is_a_real_operation_with_that_tag_parameter():
    """A misspelt service id, operation or parameter in CREATE_CALLS would register a hook that
    never fires, and leave that kind of resource untagged on AWS."""
    import botocore.session

    session = botocore.session.get_session()
    by_id = {}
    for name in session.get_available_services():
        model = session.get_service_model(name)
        by_id[model.service_id.hyphenize()] = model
    for service, operation, param, shape in aws_resources.CREATE_CALLS:
        assert service in by_id, service
        members = by_id[service].operation_model(operation).input_shape.members
        assert param in members, (service, operation, param)
        kind = members[param].type_name
        assert kind == ("map" if shape == "map" else "list"), (service, operation, param, kind)
