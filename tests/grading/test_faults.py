"""labkit.faults against a live backend: each fault does what it says, seeded where random."""
from __future__ import annotations

import random
import time
import uuid

import pytest

from labkit import faults
from labkit.faults import Downstream, DownstreamRejected, DownstreamUnavailable


@pytest.fixture
def downstream(server):
    d = Downstream(f"test-{uuid.uuid4().hex[:8]}", endpoint_url=server.url)
    yield d
    d.reset()


def test_transient_failures_then_success(downstream):
    downstream.fail(times=2)
    for _ in range(2):
        with pytest.raises(DownstreamUnavailable):
            downstream.call(order_id="a")
    assert downstream.call(order_id="a")["order_id"] == "a"
    assert len(downstream.calls()) == 1


def test_failures_armed_for_one_order_hit_that_order_only(downstream):
    downstream.fail_calls_about("b", times=2)
    assert downstream.call(order_id="a")["order_id"] == "a"
    for _ in range(2):
        with pytest.raises(DownstreamUnavailable):
            downstream.call(key="k-b", order_id="b")
    assert downstream.call(key="k-b", order_id="b")["order_id"] == "b"
    assert downstream.call(order_id="a")["order_id"] == "a"
    assert [c["order_id"] for c in downstream.calls()] == ["a", "b", "a"]
    assert downstream.faults_left()["fail_remaining"] == 0


def test_permanent_failure_until_healed(downstream):
    downstream.fail_permanently()
    for _ in range(3):
        with pytest.raises(DownstreamRejected):
            downstream.call(order_id="a")
    assert downstream.calls() == []
    downstream.heal()
    downstream.call(order_id="a")
    assert len(downstream.calls()) == 1


def test_idempotency_key_returns_the_original_call(downstream):
    first = downstream.call(key="k1", amount=5)
    again = downstream.call(key="k1", amount=5)
    other = downstream.call(key="k2", amount=5)
    assert again["call_id"] == first["call_id"] != other["call_id"]
    assert len(downstream.calls()) == 2


def test_calls_without_key_are_each_recorded(downstream):
    downstream.call(amount=1)
    downstream.call(amount=1)
    assert len(downstream.calls()) == 2


def test_delivery_schedule_is_seeded():
    events = ["a", "b", "c"]
    one = faults.delivery_schedule(events, [2, 1, 3], random.Random(4))
    assert sorted(one) == ["a", "a", "b", "c", "c", "c"]
    assert one == faults.delivery_schedule(events, [2, 1, 3], random.Random(4))
    assert faults.delivery_schedule(events, [1, 1, 1]) == events  # no generator: in order


def test_at_once_runs_concurrently():
    """All calls are released together: each sees the others started (a barrier inside)."""
    import threading

    inside = threading.Barrier(3, timeout=30)
    results = faults.at_once(lambda i: inside.wait() is not None and i, [0, 1, 2])
    assert results == [0, 1, 2]


def test_resend_is_a_duplicate_delivery(aws):
    """AWS: standard queues provide at-least-once delivery; a producer retry sends the same
    body again as a new message (SQS Developer Guide, "Amazon SQS standard queues")."""
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"resend-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    ids = faults.resend(sqs, url, '{"order_id": "o1"}', copies=2)
    bodies = []
    deadline = time.monotonic() + 30
    while len(bodies) < 2 and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        bodies += [m["Body"] for m in got.get("Messages", [])]
    assert len(set(ids)) == 2 and bodies == ['{"order_id": "o1"}'] * 2


def test_redelivery_by_visibility_expiry(aws):
    """AWS: "If the message isn't deleted before the visibility timeout expires, it becomes
    visible to other consumers again" (SQS Developer Guide, "Amazon SQS visibility timeout")."""
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"vis-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    faults.send_poison(sqs, url, "{not json")
    first, second = faults.redeliver_by_visibility_expiry(sqs, url, visibility_timeout=1)
    assert first["MessageId"] == second["MessageId"]
    assert first["Body"] == "{not json"
    assert int(second["Attributes"]["ApproximateReceiveCount"]) == 2
