"""Lesson 03's helpers: the orders and the redrive arithmetic, sending, queue depths over time,
reading a queue, the alarm's inbox."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from labkit.lessons import run_prefix, wait_until
from labkit.lessons.errors_lesson import (AlarmInbox, DepthRecorder, attempts_allowed,
                                          customer_orders, ends_in_dlq, make_orders,
                                          move_task_status, poison_ids, read_all,
                                          redrive_plan, send_orders, summarise)
from labkit.lessons.queues import make_queue, messages_left, queue_depth


@pytest.fixture
def queue(aws):
    """queue(name, **make_queue settings) -> url: a fresh queue, deleted after the test."""
    sqs, made = aws("sqs"), []

    def make(name: str, **settings) -> str:
        made.append(make_queue(sqs, run_prefix(name), **settings)[0])
        return made[-1]

    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)


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


def test_depths_reads_and_recording(aws, queue):
    sqs = aws("sqs")
    url = queue("t-depth", visibility_s=30)
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


def test_read_all_deletes_and_parses(aws, queue):
    sqs = aws("sqs")
    url = queue("t-read")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": "a"}), MessageAttributes={
        "error_type": {"DataType": "String", "StringValue": "PermanentError"}})
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    got = read_all(sqs, url)
    assert sorted(str(m["body"]) for m in got) == ["not json", "{'id': 'a'}"]
    with_attr = next(m for m in got if isinstance(m["body"], dict))
    assert with_attr["message_attributes"]["error_type"]["StringValue"] == "PermanentError"
    assert with_attr["attributes"]["ApproximateReceiveCount"] == "1"
    assert messages_left(sqs, url) == 0


def test_orders_and_what_the_redrive_rule_predicts_for_them():
    orders = make_orders("r1", n_ok=2, n_flaky=1, flaky_failures=1, n_poison=2)
    assert [o["id"] for o in orders] == ["ok-1", "ok-2", "flaky-1", "eu-1", "eu-2"]
    assert {o["run"] for o in orders} == {"r1"}
    plan, attempts, parked = redrive_plan(orders, max_receive=3, parking=False)
    assert plan == {"ok-1": 0, "ok-2": 0, "flaky-1": 1, "eu-1": None, "eu-2": None}
    assert (attempts, parked) == (1 + 1 + 2 + 3 + 3, 2)
    assert poison_ids(plan) == ["eu-1", "eu-2"]
    # a parking handler tries a poison order once, and parks it itself
    assert redrive_plan(orders, max_receive=3, parking=True)[1:] == (1 + 1 + 2 + 1 + 1, 2)
    # maxReceiveCount 1: the flaky order is parked as if it were poison
    assert redrive_plan(orders, max_receive=1, parking=False)[1:] == (5, 3)


def test_customer_orders_interleave_and_a1_is_poison():
    orders = customer_orders("r")
    assert [o["id"] for o in orders] == ["A1", "B1", "A2", "B2", "A3", "B3", "A4", "B4"]
    assert [o["id"] for o in orders if o["amount"] == "12,50"] == ["A1"]


def test_summarise_counts_attempts_per_order_and_outcome():
    attempts = pd.DataFrame([{"id": "flaky-1", "outcome": "transient", "attempt": 1},
                             {"id": "flaky-1", "outcome": "ok", "attempt": 2},
                             {"id": "eu-1", "outcome": "permanent", "attempt": 1}])
    table = summarise({"attempts": attempts, "plan": {"ok-1": 0, "flaky-1": 1, "eu-1": None}})
    assert table.index.tolist() == ["ok-1", "flaky-1", "eu-1"]       # the plan's order, none missing
    assert table["attempts"].tolist() == [0, 2, 1] and table.loc["flaky-1", "transient"] == 1


def test_move_task_status_of_the_latest_task():
    class FakeSqs:
        def __init__(self, results):
            self.results = results

        def list_message_move_tasks(self, SourceArn, MaxResults):
            return {"Results": self.results}

    assert move_task_status(FakeSqs([]), "arn") == "none"
    assert move_task_status(FakeSqs([{"Status": "RUNNING"}]), "arn") == "RUNNING"


def test_send_orders_in_batches_and_fifo_groups(aws, queue):
    sqs = aws("sqs")
    url = queue("t-send", fifo=True)
    orders = customer_orders("r") + [{**o, "id": o["id"] + "x"} for o in customer_orders("r")]
    send_orders(sqs, url, orders, fifo=True)                      # 16 orders: two batches
    got = read_all(sqs, url)
    assert sorted(m["body"]["id"] for m in got) == sorted(o["id"] for o in orders)
    assert {m["attributes"]["MessageGroupId"] for m in got} == {"A", "B"}


def test_alarm_inbox_waits_for_a_state_after_a_time(aws, queue):
    sqs = aws("sqs")
    url = queue("t-inbox")
    inbox = AlarmInbox(sqs, url, started=time.time())
    for state in ("OK", "ALARM"):   # an SNS envelope around CloudWatch's JSON
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Message": json.dumps(
            {"AlarmName": "a", "NewStateValue": state})}))
    alarm = inbox.wait_for("ALARM", after=0, timeout=20)
    assert alarm["AlarmName"] == "a" and alarm["t"] >= 0
    assert [n["NewStateValue"] for n in inbox.notifications] == ["OK", "ALARM"]
    with pytest.raises(TimeoutError):   # the early OK does not count as one after now
        inbox.wait_for("OK", after=time.time() - inbox.started + 60, timeout=1)
