"""The checks' fixture base (labkit.checks.scenario_resources): what a scenario creates is named
under its prefix, configured as asked, and gone once the scenario ends, also when it fails."""
from __future__ import annotations

import json

import pytest

from labkit.checks.framework import CheckSpec, Mismatch, Scenario, Target, _run_scenario

HANDLER = "def handler(event, context):\n    return {'echo': event}\n"


def _everything(s: Scenario, fail: bool) -> None:
    made = s.evidence["made"] = {}
    made["table"] = s.create.table("orders", key="pk", sort_key="sk")
    made["dlq"] = s.create.queue("dlq")
    made["queue"] = s.create.queue("orders", VisibilityTimeout=45, RedrivePolicy={
        "deadLetterTargetArn": s.client("sqs").get_queue_attributes(
            QueueUrl=made["dlq"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"],
        "maxReceiveCount": 3})
    made["topic"] = s.create.topic("alerts")
    made["inbox"] = s.create.inbox("inbox", made["topic"])
    made["function"] = s.create.function("worker-" + "x" * 80, HANDLER, Timeout=7)
    lam = s.client("lambda")
    made["arn"] = s.create.function_arn(made["function"])
    assert made["arn"] == lam.get_function_configuration(FunctionName=made["function"])["FunctionArn"]
    made["answer"] = json.loads(lam.invoke(FunctionName=made["function"])["Payload"].read())
    made["mapping"] = s.create.mapping(FunctionName=made["function"], BatchSize=5, EventSourceArn=(
        s.client("sqs").get_queue_attributes(QueueUrl=made["queue"], AttributeNames=["QueueArn"])
        ["Attributes"]["QueueArn"]))
    made["alarm"] = s.create.alarm("dlq-not-empty", Namespace="AWS/SQS", Period=10,
                                   MetricName="ApproximateNumberOfMessagesVisible",
                                   Statistic="Maximum", EvaluationPeriods=1, Threshold=0,
                                   ComparisonOperator="GreaterThanThreshold")
    if fail:
        raise Mismatch("planted failure", "the clean-up to run all the same")


@pytest.mark.parametrize("fail", [False, True], ids=["passed", "failed"])
def test_everything_made_is_named_configured_and_deleted(server, tmp_path, fail):
    spec = CheckSpec("00", "task-1", "made", "t", 1, "h", lambda s: _everything(s, fail), {})
    target = Target(str(tmp_path / "unused.py"), server.url)
    outcome = _run_scenario(spec, {}, target)
    assert outcome["passed"] is not fail, outcome
    made = outcome["evidence"]["made"]
    prefix = "lab00-made-"
    sqs, ddb, lam = target.client("sqs"), target.client("dynamodb"), target.client("lambda")
    sns, cw, logs = target.client("sns"), target.client("cloudwatch"), target.client("logs")

    # named under the scenario's prefix, a function's name cut to Lambda's 64 characters
    assert made["table"].startswith(prefix) and made["table"].endswith("-orders")
    assert made["function"].startswith(prefix) and len(made["function"]) == 64
    assert made["alarm"].startswith(prefix)
    assert made["answer"] == {"echo": {}}
    # ...and gone: every kind, the function's log group too
    assert not [u for u in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])]
    assert made["table"] not in ddb.list_tables()["TableNames"]
    assert made["topic"] not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert not [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == made["function"]]
    assert not lam.list_event_source_mappings(FunctionName=made["function"])["EventSourceMappings"]
    assert not cw.describe_alarms(AlarmNames=[made["alarm"]])["MetricAlarms"]
    assert not logs.describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{made['function']}")["logGroups"]


def test_queue_attributes_are_given_to_sqs_as_its_strings(server, tmp_path):
    seen = {}

    def check(s: Scenario) -> None:
        dlq = s.create.queue("dlq")
        dlq_arn = s.client("sqs").get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = s.create.queue("with-dlq", VisibilityTimeout=45, ReceiveMessageWaitTimeSeconds=0,
                             RedrivePolicy={"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
        fifo = s.create.queue("orders.fifo", FifoQueue=True)
        seen["fifo"] = s.client("sqs").get_queue_attributes(
            QueueUrl=fifo, AttributeNames=["FifoQueue"])["Attributes"]["FifoQueue"]
        seen.update(s.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])

    spec = CheckSpec("00", "task-1", "attrs", "t", 1, "h", check, {})
    assert _run_scenario(spec, {}, Target(str(tmp_path / "unused.py"), server.url))["passed"]
    assert seen["fifo"] == "true" and seen["VisibilityTimeout"] == "45"
    assert json.loads(seen["RedrivePolicy"])["maxReceiveCount"] in (3, "3")
