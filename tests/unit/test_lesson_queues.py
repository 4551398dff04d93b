"""labkit.lessons.queues and invoking, on the embedded backend: a queue with its redrive
policy, what is left in it, a mapping that is Enabled when it is returned, an invocation's
answer and round trip."""
from __future__ import annotations

import json

import boto3
import pytest

from labkit.deploy import deploy_function
from labkit.lessons.invoking import invoke, warm_up
from labkit.lessons.queues import connect_queue, make_queue, messages_left, queue_depth, subscribe_queue


@pytest.fixture
def clients(server):
    kw = dict(endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t",
              aws_secret_access_key="t")
    return boto3.client("sqs", **kw), boto3.client("lambda", **kw)


def test_a_queue_with_its_dead_letter_queue(clients):
    sqs, _ = clients
    dlq_url, dlq_arn = make_queue(sqs, "lq-dlq")
    url, arn = make_queue(sqs, "lq-orders", visibility_s=7, dlq_arn=dlq_arn, max_receive=3)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == arn and attributes["VisibilityTimeout"] == "7"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn,
                                                        "maxReceiveCount": 3}
    fifo_url, _ = make_queue(sqs, "lq-lanes", fifo=True)
    assert fifo_url.endswith("lq-lanes.fifo")
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    assert queue_depth(sqs, url) == {"visible": 1, "in_flight": 1}
    assert messages_left(sqs, url) == 2


def test_a_mapping_is_enabled_and_an_invocation_answers(clients):
    sqs, lam = clients
    deploy_function(lam, "lq-echo", "def handler(event, context):\n    return {'got': event}\n")
    answer, round_trip_ms = invoke(lam, "lq-echo", {"n": 1})
    assert answer == {"got": {"n": 1}} and round_trip_ms > 0
    warm_up(lam, "lq-echo", environments=2)
    _, arn = make_queue(sqs, "lq-feed")
    mapping = connect_queue(lam, "lq-echo", arn, BatchSize=5)
    assert lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled"
    deploy_function(lam, "lq-fails", "def handler(event, context):\n    raise ValueError('no')\n")
    with pytest.raises(RuntimeError, match="ValueError"):
        invoke(lam, "lq-fails")


def test_a_subscribed_queue_gets_what_the_topic_publishes(server, clients):
    sqs, _ = clients
    sns = boto3.client("sns", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    topic = sns.create_topic(Name="lq-alerts")["TopicArn"]
    for raw in (False, True):
        url, arn = make_queue(sqs, f"lq-inbox-{raw}")
        subscribe_queue(sns, sqs, topic, url, arn, raw=raw)
        policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
                            ["Attributes"]["Policy"])
        [statement] = policy["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}
    sns.publish(TopicArn=topic, Message="page me")
    bodies = {raw: sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName=f"lq-inbox-{raw}")["QueueUrl"],
                                       WaitTimeSeconds=5)["Messages"][0]["Body"] for raw in (False, True)}
    assert bodies[True] == "page me" and json.loads(bodies[False])["Message"] == "page me"
