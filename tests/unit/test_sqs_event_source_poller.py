"""The SQS poller's logic against moto's SQS backend in-process and a fake Lambda runtime.

End-to-end behaviour (real handlers, boto3) is in tests/conformance/test_event_source_mapping*.py;
here the runtime is a fake so each rule can be checked directly and fast.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from types import SimpleNamespace

import pytest

from labkit.emulator.pollers import sqs_lock
from labkit.emulator.pollers.batch_response import failed_message_ids
from labkit.emulator.pollers.sqs_event_source import SqsEventSource
from labkit.emulator.runtime import InvokeResult, Throttled

ACCOUNT, REGION = "000000000042", "us-east-1"
DEADLINE = 30.0


def wait_until(predicate, deadline=DEADLINE, what="condition"):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class FakeRuntime:
    """Records every batch; `respond(records)` decides the result."""

    def __init__(self, respond=None, delay=0.0):
        self.batches: list[list[dict]] = []
        self.respond = respond or (lambda records: (b"null", None))
        self.delay = delay
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def invoke(self, function, payload, **_):
        records = json.loads(payload)["Records"]
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.batches.append(records)
        try:
            if self.delay:
                time.sleep(self.delay)
            body, error = self.respond(records)
            return InvokeResult(body, error, "", "req", 1.0, False)
        finally:
            with self._lock:
                self.active -= 1

    def bodies(self):
        return [r["body"] for batch in list(self.batches) for r in batch]


@pytest.fixture
def sqs():
    from moto.sqs.models import sqs_backends

    sqs_lock.install()
    return sqs_backends[ACCOUNT][REGION]


def make_queue(sqs, **attributes):
    name = f"q-{uuid.uuid4().hex[:8]}" + (".fifo" if attributes.get("FifoQueue") == "true" else "")
    attributes.setdefault("VisibilityTimeout", 1)
    return sqs.create_queue(name, **attributes)


def mapping(queue, **settings):
    base = dict(uuid=str(uuid.uuid4()), event_source_arn=queue.queue_arn,
                function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f", batch_size=10,
                max_batch_window=None, enabled=True, filter_criteria=None,
                function_response_types=None, scaling_config=None)
    base.update(settings)
    return SimpleNamespace(**base)


@pytest.fixture
def run():
    started = []

    def start(runtime, *mappings, **kwargs):
        source = SqsEventSource(lambda: runtime, mappings=lambda: list(mappings), **kwargs)
        source.start()
        started.append(source)
        return source

    yield start
    for source in started:
        source.stop()


def depth(sqs, queue):
    return len(queue._messages)


def test_every_message_is_delivered_once_and_deleted(sqs, run):
    # a visibility timeout no busy machine outlasts between receive and delete: at 1 s, a
    # batch held longer came back (at-least-once, as on AWS), which is not what this tests
    queue = make_queue(sqs, VisibilityTimeout=30)
    runtime = FakeRuntime()
    run(runtime, mapping(queue))
    for i in range(50):
        sqs.send_message(queue.name, f"m{i}")
    wait_until(lambda: depth(sqs, queue) == 0, what="queue drained")
    assert sorted(runtime.bodies()) == sorted(f"m{i}" for i in range(50))
    assert all(len(b) <= 10 for b in runtime.batches)


def test_record_has_the_aws_event_shape(sqs, run):
    queue = make_queue(sqs)
    runtime = FakeRuntime()
    run(runtime, mapping(queue))
    sqs.send_message(queue.name, "hello",
                     message_attributes={"k": {"DataType": "String", "StringValue": "v"}})
    wait_until(lambda: runtime.batches, what="an invocation")
    record = runtime.batches[0][0]
    assert set(record) >= {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                           "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == queue.queue_arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["k"]["stringValue"] == "v"
    assert record["messageAttributes"]["k"]["dataType"] == "String"


def test_raised_error_leaves_whole_batch_to_reappear(sqs, run):
    queue = make_queue(sqs)
    calls = []

    def fail_first(records):
        calls.append(1)
        return (b'{"errorMessage":"x"}', "Unhandled") if len(calls) == 1 else (b"null", None)

    runtime = FakeRuntime(fail_first)
    run(runtime, mapping(queue))
    for i in range(3):
        sqs.send_message(queue.name, f"m{i}")
    wait_until(lambda: depth(sqs, queue) == 0, what="queue drained after retry")
    failed_ids = {r["messageId"] for r in runtime.batches[0]}
    redelivered = {r["messageId"]: r["attributes"]["ApproximateReceiveCount"]
                   for batch in runtime.batches[1:] for r in batch}
    assert all(redelivered.get(i) == "2" for i in failed_ids)


def test_only_reported_items_return(sqs, run):
    queue = make_queue(sqs)

    def fail_m1_once(records):
        failures = [{"itemIdentifier": r["messageId"]} for r in records
                    if r["body"] == "m1" and r["attributes"]["ApproximateReceiveCount"] == "1"]
        return json.dumps({"batchItemFailures": failures}).encode(), None

    runtime = FakeRuntime(fail_m1_once)
    run(runtime, mapping(queue, function_response_types=["ReportBatchItemFailures"]))
    sqs.send_message_batch(queue.name, {str(i): {"Id": str(i), "MessageBody": f"m{i}",
                                                 "MessageAttributes": {}, "DelaySeconds": None}
                                        for i in range(3)})
    wait_until(lambda: depth(sqs, queue) == 0, what="queue drained")
    assert sorted(runtime.bodies()) == ["m0", "m1", "m1", "m2"]


def test_throttled_batch_stays_on_queue(sqs, run):
    queue = make_queue(sqs)
    throttles = []

    class Throttling(FakeRuntime):
        def invoke(self, function, payload, **kw):
            if not throttles:
                throttles.append(1)
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            return super().invoke(function, payload, **kw)

    runtime = Throttling()
    run(runtime, mapping(queue))
    sqs.send_message(queue.name, "m")
    wait_until(lambda: depth(sqs, queue) == 0, what="delivered after the throttle")
    assert runtime.batches[0][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_maximum_concurrency_caps_concurrent_invocations(sqs, run):
    queue = make_queue(sqs, VisibilityTimeout=30)
    runtime = FakeRuntime(delay=0.2)
    run(runtime, mapping(queue, batch_size=1, scaling_config={"MaximumConcurrency": 2}),
        scale_up_interval=0.0)
    for i in range(12):
        sqs.send_message(queue.name, f"m{i}")
    wait_until(lambda: depth(sqs, queue) == 0, what="drained")
    assert runtime.peak == 2


def test_filter_criteria_deletes_non_matching(sqs, run):
    queue = make_queue(sqs)
    runtime = FakeRuntime()
    criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]}
    run(runtime, mapping(queue, filter_criteria=criteria))
    sqs.send_message(queue.name, json.dumps({"kind": "order"}))
    sqs.send_message(queue.name, json.dumps({"kind": "noise"}))
    sqs.send_message(queue.name, "plain text")
    wait_until(lambda: depth(sqs, queue) == 0, what="all deleted")
    assert runtime.bodies() == [json.dumps({"kind": "order"})]


def test_fifo_groups_are_invoked_separately_in_order(sqs, run):
    queue = make_queue(sqs, FifoQueue="true", ContentBasedDeduplication="true")
    runtime = FakeRuntime()
    run(runtime, mapping(queue))
    for i in range(6):
        sqs.send_message(queue.name, f"{'ab'[i % 2]}{i}", group_id="ab"[i % 2])
    wait_until(lambda: depth(sqs, queue) == 0, what="drained")
    for batch in runtime.batches:
        assert len({r["attributes"]["MessageGroupId"] for r in batch}) == 1
    a = [b for b in runtime.bodies() if b.startswith("a")]
    assert a == ["a0", "a2", "a4"]


def test_batching_window_gathers_a_larger_batch(sqs, run):
    queue = make_queue(sqs, VisibilityTimeout=30)
    runtime = FakeRuntime()
    run(runtime, mapping(queue, batch_size=30, max_batch_window=2))
    for i in range(25):
        sqs.send_message(queue.name, f"m{i}")
    wait_until(lambda: depth(sqs, queue) == 0, what="drained")
    assert max(len(b) for b in runtime.batches) > 10


def test_disabled_mapping_does_not_poll(sqs, run):
    queue = make_queue(sqs)
    runtime = FakeRuntime()
    esm = mapping(queue, enabled=False)
    source = run(runtime, esm)
    sqs.send_message(queue.name, "m")
    source.sync()
    assert source.health()["mappings"] == {}
    esm.enabled = True
    source.poke()
    wait_until(lambda: depth(sqs, queue) == 0, what="drained once enabled")


@pytest.mark.parametrize("payload,error,expected", [
    (b"null", None, set()),
    (b"{}", None, set()),
    (b'{"batchItemFailures": []}', None, set()),
    (b'{"batchItemFailures": null}', None, set()),
    (b'{"batchItemFailures": [{"itemIdentifier": "b"}]}', None, {"b"}),
    (b'{"batchItemFailures": [{"itemIdentifier": ""}]}', None, {"a", "b"}),
    (b'{"batchItemFailures": [{"itemIdentifier": null}]}', None, {"a", "b"}),
    (b'{"batchItemFailures": [{"itemIdentifier": "zzz"}]}', None, {"a", "b"}),
    (b'{"batchItemFailures": [{"id": "a"}]}', None, {"a", "b"}),
    (b"not json", None, {"a", "b"}),
    (b'{"errorMessage": "boom"}', "Unhandled", {"a", "b"}),
])
def test_partial_batch_response_rules(payload, error, expected):
    """AWS Lambda Developer Guide, 'Handling errors for an SQS event source': empty/null list
    or response = success; empty/null/unknown itemIdentifier or invalid JSON = whole batch
    fails; a raised error = whole batch fails."""
    assert failed_message_ids(payload, error, ["a", "b"], True) == expected


def test_partial_batch_response_ignored_without_report_batch_item_failures():
    assert failed_message_ids(b'{"batchItemFailures": [{"itemIdentifier": "a"}]}', None,
                              ["a", "b"], False) == set()
