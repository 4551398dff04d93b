"""Lesson 03's helpers: the redrive arithmetic, queue depths over time, reading a queue."""
from __future__ import annotations

import json

import pytest

from labkit.lessons import run_prefix, wait_until
from labkit.lessons.errors_lesson import (DepthRecorder, attempts_allowed, ends_in_dlq,
                                          messages_left, queue_depth, read_all)


def test_poison_message_is_attempted_max_receive_count_times():
    """AWS (SQS Developer Guide, dead-letter queues): "when the ReceiveCount for a message
    exceeds the maxReceiveCount for a queue, Amazon SQS moves the message to a dead-letter
    queue": a message that always fails is received exactly maxReceiveCount times."""
    assert [attempts_allowed(m, None) for m in (1, 3, 5)] == [1, 3, 5]
    assert all(ends_in_dlq(m, None) for m in (1, 3, 5))


def test_transient_failures_succeed_only_within_max_receive_count():
    # one failure then success: 2 attempts if allowed, else parked after maxReceiveCount
    assert attempts_allowed(3, 1) == 2 and not ends_in_dlq(3, 1)
    assert attempts_allowed(3, 0) == 1 and not ends_in_dlq(3, 0)
    assert attempts_allowed(2, 2) == 2 and ends_in_dlq(2, 2)   # needed a 3rd receive
    assert attempts_allowed(1, 1) == 1 and ends_in_dlq(1, 1)


def test_max_receive_count_below_one_is_rejected():
    with pytest.raises(ValueError):
        attempts_allowed(0, None)


def test_depths_reads_and_recording(aws):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=run_prefix("t-depth"), Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    try:
        with DepthRecorder(sqs, {"q": url}, interval=0.05) as recorder:
            for i in range(3):
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": i}))
            # the background thread samples on its own: wait until it has seen the full queue
            wait_until(lambda: (recorder.frame()["visible"] == 3).any(), timeout=20)
            taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
            assert queue_depth(sqs, url) == {"visible": 2, "in_flight": 1}
        frame = recorder.frame()
        assert list(frame.columns) == ["t", "queue", "visible", "in_flight"]
        assert frame["t"].is_monotonic_increasing
        assert frame.iloc[-1][["visible", "in_flight"]].tolist() == [2, 1]  # ends on a fresh sample
        assert frame["visible"].max() == 3                          # it saw the queue fill up
        peeked = read_all(sqs, url, delete=False)
        ids = sorted(m["body"]["id"] for m in peeked) + [json.loads(taken[0]["Body"])["id"]]
        assert sorted(ids) == [0, 1, 2]
        assert len(peeked) == 2 and messages_left(sqs, url) == 3   # peeking deletes nothing
    finally:
        sqs.delete_queue(QueueUrl=url)


def test_read_all_deletes_and_parses(aws):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=run_prefix("t-read"))["QueueUrl"]
    try:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": "a"}), MessageAttributes={
            "error_type": {"DataType": "String", "StringValue": "PermanentError"}})
        sqs.send_message(QueueUrl=url, MessageBody="not json")
        got = read_all(sqs, url)
        assert sorted(str(m["body"]) for m in got) == ["not json", "{'id': 'a'}"]
        with_attr = next(m for m in got if isinstance(m["body"], dict))
        assert with_attr["message_attributes"]["error_type"]["StringValue"] == "PermanentError"
        assert with_attr["attributes"]["ApproximateReceiveCount"] == "1"
        assert messages_left(sqs, url) == 0
    finally:
        sqs.delete_queue(QueueUrl=url)
