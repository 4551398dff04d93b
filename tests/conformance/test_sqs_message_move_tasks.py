"""DLQ redrive with StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask
(patch sqs_message_move_tasks). boto3 only."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from labkit.lessons.polling import wait_until


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _visible(sqs, url):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def _queue_with_dlq(sqs, n_messages):
    """A source queue (maxReceiveCount=1) whose n messages have all landed in its DLQ."""
    tag = uuid.uuid4().hex[:8]
    dlq = sqs.create_queue(QueueName=f"redrive-dlq-{tag}")["QueueUrl"]
    src = sqs.create_queue(QueueName=f"redrive-src-{tag}", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 1})})["QueueUrl"]
    for i in range(n_messages):
        sqs.send_message(QueueUrl=src, MessageBody=f"m{i}")
    received = 0
    while received < n_messages:  # first receive of each: count 1
        received += len(sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=1).get("Messages", []))
    # the next receive after the visibility timeout moves them to the DLQ
    wait_until(lambda: (sqs.receive_message(QueueUrl=src, WaitTimeSeconds=1), _visible(sqs, dlq))[1]
               == n_messages, 60, what="messages in the DLQ")
    return src, dlq


def test_move_task_redrives_dlq_messages_back_to_their_source(sqs):
    """AWS API Reference, StartMessageMoveTask: "Starts an asynchronous task to move messages
    from a specified source queue to a specified destination queue"; the source must be a
    DLQ; without DestinationArn, messages go back to their original source queue.
    ListMessageMoveTasks reports Status and ApproximateNumberOfMessagesMoved."""
    src, dlq = _queue_with_dlq(sqs, 3)
    handle = sqs.start_message_move_task(SourceArn=_arn(sqs, dlq))["TaskHandle"]
    assert handle
    task = wait_until(lambda: next((t for t in sqs.list_message_move_tasks(
        SourceArn=_arn(sqs, dlq))["Results"] if t["Status"] == "COMPLETED"), None), 60,
        what="the move task to complete")
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert _visible(sqs, dlq) == 0 and _visible(sqs, src) == 3
    bodies = sorted(m["Body"] for m in sqs.receive_message(
        QueueUrl=src, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["m0", "m1", "m2"]


def test_move_task_can_be_cancelled(sqs):
    """AWS API Reference, CancelMessageMoveTask: "Cancels a specified message movement task"
    and returns ApproximateNumberOfMessagesMoved; MaxNumberOfMessagesPerSecond paces it."""
    src, dlq = _queue_with_dlq(sqs, 5)
    handle = sqs.start_message_move_task(SourceArn=_arn(sqs, dlq),
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert moved < 5
    [task] = sqs.list_message_move_tasks(SourceArn=_arn(sqs, dlq))["Results"]
    assert task["Status"] == "CANCELLED"


def test_move_task_source_must_be_a_dead_letter_queue(sqs):
    """AWS API Reference, StartMessageMoveTask: "The source queue must be configured as a
    dead-letter queue (DLQ) of other Amazon SQS queues." """
    url = sqs.create_queue(QueueName=f"not-a-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    with pytest.raises(ClientError) as err:
        sqs.start_message_move_task(SourceArn=_arn(sqs, url))
    assert err.value.response["Error"]["Code"] in ("InvalidParameterValue",
                                                   "InvalidParameterValueException")
