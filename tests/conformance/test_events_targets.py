"""EventBridge rules deliver to SQS, SNS, Step Functions and Lambda (patch events_targets)."""
from __future__ import annotations

import json
import uuid

import pytest

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

DEADLINE = 60.0  # generous: the machine is shared and loaded


@pytest.fixture(scope="module")
def events(aws):
    return aws("events")


def _queue(sqs, prefix="eb"):
    url = sqs.create_queue(QueueName=f"{prefix}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _rule(events, source, target):
    """A rule on the default bus matching `source`, with one target; returns its name and ARN."""
    name = f"rule-{uuid.uuid4().hex[:8]}"
    arn = events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "t1", **target}])
    return name, arn


def _put(events, source, detail, detail_type="OrderPlaced"):
    out = events.put_events(Entries=[{"Source": source, "DetailType": detail_type,
                                      "Detail": json.dumps(detail)}])
    assert out["FailedEntryCount"] == 0, out
    return out["Entries"][0]["EventId"]


def _receive_one(sqs, url):
    def poll():
        return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")
    return wait_until(poll, DEADLINE, what=f"a message on {url}")[0]["Body"]


def test_sqs_target_receives_the_event_as_aws_shapes_it(events, sqs):
    """AWS (EventBridge User Guide, "Amazon EventBridge events"): every event carries
    version, id, detail-type, source, account, time (ISO 8601, e.g. 2015-11-11T21:29:54Z),
    region, resources and detail; the target receives that JSON."""
    url, arn = _queue(sqs)
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    _rule(events, source, {"Arn": arn})
    event_id = _put(events, source, {"orderId": "o-1", "total": 42})
    body = json.loads(_receive_one(sqs, url))
    assert body["id"] == event_id
    assert body["detail"] == {"orderId": "o-1", "total": 42}
    assert body["detail-type"] == "OrderPlaced" and body["source"] == source
    assert body["account"] == "123456789012" and body["region"] == "us-east-1"
    assert body["version"] == "0" and body["resources"] == []
    assert len(body["time"]) == 20 and body["time"].endswith("Z")


def test_input_transformer_fills_quoted_and_unquoted_variables(events, sqs):
    """AWS (User Guide, "Amazon EventBridge input transformation"): with InputPathsMap
    {"instance": "$.detail.instance-id", "state": "$.detail.state"}, the template
    {"instance": <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\"
    is in <state>"} gives {"instance": "i-0123456789", "state": "RUNNING", "instanceStatus":
    "instance \\"i-0123456789\\" is in RUNNING"}; <aws.events.rule-name> is the rule's name
    and <aws.events.event.json> the whole original event."""
    url, arn = _queue(sqs)
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    template = ('{"instance": <instance>, "state": "<state>", '
                '"instanceStatus": "instance \\"<instance>\\" is in <state>", '
                '"rule": <aws.events.rule-name>, "original": <aws.events.event.json>}')
    rule_name, _ = _rule(events, source, {"Arn": arn, "InputTransformer": {
        "InputPathsMap": {"instance": "$.detail.instance-id", "state": "$.detail.state"},
        "InputTemplate": template}})
    event_id = _put(events, source, {"instance-id": "i-0123456789", "state": "RUNNING"})
    body = json.loads(_receive_one(sqs, url))
    assert body["instance"] == "i-0123456789"
    assert body["state"] == "RUNNING"
    assert body["instanceStatus"] == 'instance "i-0123456789" is in RUNNING'
    assert body["rule"] == rule_name
    assert body["original"]["id"] == event_id
    assert body["original"]["detail"]["state"] == "RUNNING"


def test_input_path_passes_only_the_selected_part(events, sqs):
    """AWS (API Reference, Target.InputPath): "The value of the JSONPath that is used for
    extracting part of the matched event when passing it to the target." """
    url, arn = _queue(sqs)
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    _rule(events, source, {"Arn": arn, "InputPath": "$.detail"})
    _put(events, source, {"orderId": "o-2"})
    assert json.loads(_receive_one(sqs, url)) == {"orderId": "o-2"}


def test_constant_input_replaces_the_event(events, sqs):
    """AWS (API Reference, Target.Input): "Valid JSON text passed to the target. In this
    case, nothing from the event itself is passed to the target." """
    url, arn = _queue(sqs)
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    _rule(events, source, {"Arn": arn, "Input": '{"fixed": true}'})
    _put(events, source, {"orderId": "o-3"})
    assert json.loads(_receive_one(sqs, url)) == {"fixed": True}


def test_sns_target_publishes_the_event_to_subscribers(events, sqs, aws):
    """AWS (User Guide, "Event bus targets"): an SNS topic is a rule target; the topic
    publishes the event to its subscribers (here an SQS queue with raw delivery)."""
    sns = aws("sns")
    topic = sns.create_topic(Name=f"eb-topic-{uuid.uuid4().hex[:6]}")["TopicArn"]
    url, arn = _queue(sqs)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    _rule(events, source, {"Arn": topic})
    event_id = _put(events, source, {"orderId": "o-4"})
    assert json.loads(_receive_one(sqs, url))["id"] == event_id


def test_step_functions_target_starts_an_execution_with_the_event(events, aws):
    """AWS (User Guide, "Event bus targets"): a Step Functions state machine target starts
    an execution whose input is the event."""
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(
        name=f"eb-sm-{uuid.uuid4().hex[:6]}", definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/labkit-sfn")["stateMachineArn"]
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    _rule(events, source, {"Arn": machine, "RoleArn": "arn:aws:iam::123456789012:role/labkit-eb"})
    event_id = _put(events, source, {"orderId": "o-5"})
    executions = wait_until(lambda: sfn.list_executions(stateMachineArn=machine)["executions"],
                            DEADLINE, what="an execution started by the rule")
    started = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(started["input"])["id"] == event_id


def test_lambda_target_is_invoked_with_the_event(events, aws):
    """AWS (User Guide, "Event bus targets"; Lambda Developer Guide, "Invoking Lambda with
    events from other AWS services"): EventBridge invokes a Lambda target asynchronously
    with the event as payload."""
    lam, logs = aws("lambda"), aws("logs")
    name = f"eb-fn-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, "import json\n"
                    "def handler(event, context):\n"
                    "    print('GOT ' + json.dumps(event))\n")
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    fn_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    _rule(events, source, {"Arn": fn_arn})
    event_id = _put(events, source, {"orderId": "o-6"})

    def logged():
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return [e for e in found if "GOT " in e["message"] and event_id in e["message"]]

    line = wait_until(logged, DEADLINE, what="the function's log line with the event")[0]["message"]
    assert json.loads(line.split("GOT ", 1)[1])["detail"] == {"orderId": "o-6"}


def test_disabled_rule_delivers_nothing(events, sqs):
    """AWS (API Reference, DisableRule): "A disabled rule won't match any events, and won't
    self-trigger if it has a schedule expression." An enabled rule on the same events is
    the witness that delivery happened."""
    url_off, arn_off = _queue(sqs, "eb-off")
    url_on, arn_on = _queue(sqs, "eb-on")
    source = f"labkit.{uuid.uuid4().hex[:6]}"
    off, _ = _rule(events, source, {"Arn": arn_off})
    _rule(events, source, {"Arn": arn_on})
    events.disable_rule(Name=off)
    _put(events, source, {"orderId": "o-7"})
    _receive_one(sqs, url_on)
    assert sqs.receive_message(QueueUrl=url_off, WaitTimeSeconds=1).get("Messages") is None
