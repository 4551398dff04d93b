"""Lesson 01's helpers on the embedded backend: a mapping's settings changed (queues.py), the handler's log lines waited for, a dead-letter queue read; and the quiet
period that says the last delivery is over."""
from __future__ import annotations

import json
import time

import boto3
import pytest

from labkit.deploy import deploy_function
from labkit.lessons.queue_processor_lesson import (QuietPeriod, dead_lettered_ids, wait_for_last_delivery,
                                                   wait_for_processed)
from labkit.lessons.queues import connect_queue, make_queue, update_mapping


@pytest.fixture
def client(server):
    kw = dict(endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t",
              aws_secret_access_key="t")
    return lambda service: boto3.client(service, **kw)


def test_a_count_settles_once_it_stopped_changing_for_the_quiet_period():
    now = [0.0]
    quiet = QuietPeriod(5, clock=lambda: now[0])
    assert not quiet.settled(0)               # nothing processed yet: never settled
    now[0] = 10
    assert not quiet.settled(0)
    assert not quiet.settled(1)               # a new line: the quiet period starts again
    now[0] = 14
    assert not quiet.settled(1)
    now[0] = 15.5
    assert not quiet.settled(2)               # a redelivery, late
    now[0] = 20.6
    assert quiet.settled(2)


def _log(logs, function: str, *lines: dict) -> None:
    group = f"/aws/lambda/{function}"
    try:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": now, "message": json.dumps(line)} for line in lines])


def test_processed_lines_of_one_run_and_the_last_delivery(client):
    logs, since = client("logs"), time.time() - 1
    _log(logs, "qp-worker", {"kind": "processed", "id": "a", "run": "r1"},
         {"kind": "processed", "id": "b", "run": "r2"}, {"kind": "invocation", "ids": ["a", "b"]})
    mine = wait_for_processed(logs, "qp-worker", since, "r1", 1)
    assert list(mine["id"]) == ["a"]
    with pytest.raises(TimeoutError, match="2 messages of run r1"):
        wait_for_processed(logs, "qp-worker", since, "r1", 2, timeout=1)
    started = time.monotonic()
    wait_for_last_delivery(logs, "qp-worker", since, quiet_s=1, timeout=10)
    assert time.monotonic() - started >= 1


def test_a_mapping_takes_new_settings(client):
    lam, sqs = client("lambda"), client("sqs")
    deploy_function(lam, "qp-sink", "def handler(event, context):\n    return {}\n", Timeout=5)
    _, arn = make_queue(sqs, "qp-feed")
    mapping = connect_queue(lam, "qp-sink", arn, BatchSize=10)
    update_mapping(lam, mapping, BatchSize=20, MaximumBatchingWindowInSeconds=1)
    settings = lam.get_event_source_mapping(UUID=mapping)
    assert settings["State"] == "Enabled" and settings["BatchSize"] == 20
    assert settings["MaximumBatchingWindowInSeconds"] == 1


def test_dead_lettered_ids_are_read_sorted_and_the_queue_emptied(client):
    sqs = client("sqs")
    url, _ = make_queue(sqs, "qp-dlq")
    for message_id in ("m07", "m04"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": message_id}))
    assert dead_lettered_ids(sqs, url) == ["m04", "m07"]
    assert dead_lettered_ids(sqs, url) == []
