"""Fixtures the conformance tests share: clients, and an SNS topic whose notifications land in
SQS (for the alarm tests)."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


@pytest.fixture(scope="module")
def sqs(aws):
    return aws("sqs")


@pytest.fixture(scope="module")
def ddb(aws):
    return aws("dynamodb")


@pytest.fixture
def topic_queue(aws, sqs):
    """An SNS topic with an SQS queue subscribed: where alarm notifications land."""
    sns = aws("sns")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:6]}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"alarm-inbox-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url
