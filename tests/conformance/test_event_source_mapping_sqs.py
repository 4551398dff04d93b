"""SQS -> Lambda event source mappings behave like AWS's (patch sqs_event_source).

Sources: AWS Lambda Developer Guide, "Using Lambda with Amazon SQS" (polling, batching,
event shape, scaling), "Handling errors for an SQS event source in Lambda" (partial batch
responses), "Control which events Lambda sends to your function" (filtering).
"""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from labkit.lessons.polling import wait_until
from tests.conformance.sqs_esm_helpers import Harness

OBSERVE_SECONDS = 2.0   # how long "nothing happens" is watched for (deliberate, short)
# Visibility timeout of tests that need a retry: short, but longer than a cold start on a
# loaded machine, so a slow first invocation is not redelivered while it still runs. It is
# also the function timeout (AWS requires visibility >= function timeout), so it must leave
# the handler's one SendMessage room on a loaded machine.
RETRY_VISIBILITY = 5
# Tests that expect no retry use 30 s: a redelivery there would be a real failure.


@pytest.fixture
def harness(aws):
    made = []

    def make(**kwargs):
        h = Harness(aws, **kwargs)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def test_batches_are_delivered_once_and_deleted(harness):
    """AWS: "Lambda reads messages in batches and invokes your function once for each batch.
    When your function successfully processes a batch, Lambda deletes its messages from the
    queue." """
    h = harness(visibility=30)
    h.map(BatchSize=10)
    sent = h.send(*[{"n": i} for i in range(25)])
    records = h.wait_for_deliveries(25)
    h.wait_drained()
    assert sorted(r["messageId"] for r in records) == sorted(sent)
    assert all(len(b["records"]) <= 10 for b in h.batches)


def test_event_has_the_aws_sqs_record_shape(harness):
    """AWS example SQS event: messageId, receiptHandle, body, attributes
    {ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp},
    messageAttributes, md5OfBody, eventSource "aws:sqs", eventSourceARN, awsRegion."""
    h = harness(visibility=30)
    sent_at_ms = time.time() * 1000
    [message_id] = h.send("hello", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"}})
    h.map()
    [record] = h.wait_for_deliveries(1)
    assert record["messageId"] == message_id and record["body"] == "hello"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == h.arn(h.url) and record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"  # md5("hello")
    attrs = record["attributes"]
    assert attrs["ApproximateReceiveCount"] == "1" and attrs["SenderId"]
    # real timestamps of this message, not a canned example
    assert abs(int(attrs["SentTimestamp"]) - sent_at_ms) < 120_000
    assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"])
    kind = record["messageAttributes"]["kind"]
    assert kind["stringValue"] == "greeting" and kind["dataType"] == "String"
    assert record["receiptHandle"]


def test_raised_error_returns_the_whole_batch_after_the_visibility_timeout(harness):
    """AWS ("Handling errors for an SQS event source"): a raised error fails the whole batch; a message becomes visible again
    when its visibility timeout expires without a DeleteMessage, and ApproximateReceiveCount
    counts receives."""
    h = harness(MODE="raise", visibility=RETRY_VISIBILITY)
    ids = h.send({"fail_times": 1}, {"fail_times": 0})
    h.map()
    records = h.wait_for_deliveries(4)
    h.wait_drained()
    for message_id in ids:
        counts = sorted(r["attributes"]["ApproximateReceiveCount"]
                        for r in records if r["messageId"] == message_id)
        assert counts == ["1", "2"], counts


def test_report_batch_item_failures_returns_only_listed_items(harness):
    """AWS ("Handling errors for an SQS event source"): with FunctionResponseTypes=["ReportBatchItemFailures"] the handler
    returns {"batchItemFailures":[{"itemIdentifier": messageId}]} and only those return to
    the queue."""
    h = harness(MODE="report", visibility=RETRY_VISIBILITY)
    ok1, bad, ok2 = h.send({"fail_times": 0}, {"fail_times": 1}, {"fail_times": 0})
    h.map(FunctionResponseTypes=["ReportBatchItemFailures"])
    h.wait_for_deliveries(4)
    h.wait_drained()
    seen = [r["messageId"] for r in h.deliveries()]
    assert seen.count(bad) == 2 and seen.count(ok1) == 1 and seen.count(ok2) == 1


@pytest.mark.parametrize("response", ["{}", "null", '{"batchItemFailures": []}',
                                      '{"batchItemFailures": null}'])
def test_empty_partial_response_means_success(harness, response):
    """AWS: "Lambda treats a batch as a complete success if your function returns an empty
    batchItemFailures list, a null batchItemFailures list, an empty EventResponse or a null
    EventResponse." """
    h = harness(MODE="respond", RESPONSE=response, visibility=30)
    ids = h.send({"fail_times": 5}, {"fail_times": 5})
    h.map(FunctionResponseTypes=["ReportBatchItemFailures"])
    h.wait_for_deliveries(2)
    h.wait_drained()
    assert sorted(r["messageId"] for r in h.deliveries()) == sorted(ids)


def test_invalid_partial_response_fails_the_batch_and_redrive_moves_it_to_the_dlq(harness):
    """AWS: "Lambda treats a batch as a complete failure if your function returns ... an empty
    string itemIdentifier"; the queue's RedrivePolicy moves a message whose receive count
    exceeds maxReceiveCount to the DLQ (Amazon SQS Developer Guide, "Using dead-letter queues")."""
    h = harness(MODE="respond", RESPONSE='{"batchItemFailures": [{"itemIdentifier": ""}]}',
                visibility=RETRY_VISIBILITY, redrive_max=2)
    ids = h.send({"n": 1}, {"n": 2})
    h.map(FunctionResponseTypes=["ReportBatchItemFailures"])
    wait_until(lambda: h.queue_counts(h.dlq_url)[0] == 2, 90, what="both messages in the DLQ")
    seen = [r["messageId"] for r in h.deliveries()]
    assert sorted(seen) == sorted(ids * 2)  # maxReceiveCount=2: two tries each, then the DLQ
    assert h.queue_counts() == (0, 0)


def test_maximum_concurrency_caps_concurrent_invocations(harness):
    """AWS ("Using Lambda with Amazon SQS"): ScalingConfig.MaximumConcurrency (2..1000) caps concurrent invocations
    of one mapping."""
    h = harness(MODE="ok", SLEEP="1", visibility=30)
    h.send(*[{"n": i} for i in range(6)])
    h.map(BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    h.wait_for_deliveries(6, timeout=120)
    intervals = [(b["start"], b["end"]) for b in h.batches]
    peak = max(sum(1 for s, e in intervals if s <= t < e) for t, _ in intervals)
    assert peak <= 2


def test_maximum_concurrency_outside_2_to_1000_is_rejected(harness):
    """AWS API Reference, ScalingConfig: MaximumConcurrency valid range 2..1000."""
    h = harness()
    with pytest.raises(ClientError) as err:
        h.map(ScalingConfig={"MaximumConcurrency": 1001})
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_batch_size_above_10_needs_a_batching_window(harness):
    """AWS API Reference, CreateEventSourceMapping BatchSize: "When you set BatchSize to a
    value greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1." """
    h = harness()
    with pytest.raises(ClientError) as err:
        h.map(BatchSize=100)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_batching_window_gathers_batches_larger_than_ten(harness):
    """AWS: BatchSize up to 10,000 for standard queues, gathered for up to
    MaximumBatchingWindowInSeconds ("Using Lambda with Amazon SQS")."""
    h = harness(MODE="ok", visibility=30)
    h.map(BatchSize=100, MaximumBatchingWindowInSeconds=3)
    for start in range(0, 40, 10):
        h.sqs.send_message_batch(QueueUrl=h.url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps({"n": i})} for i in range(start, start + 10)])
    h.wait_for_deliveries(40)
    assert max(len(b["records"]) for b in h.batches) > 10


def test_disabled_mapping_does_not_poll_until_enabled(harness):
    """AWS API Reference, UpdateEventSourceMapping: Enabled=false pauses polling; true resumes."""
    h = harness(MODE="ok", visibility=30)
    uuid = h.map(Enabled=False)
    h.send({"n": 1})
    time.sleep(OBSERVE_SECONDS)
    assert h.deliveries() == [] and h.queue_counts() == (1, 0)
    h.lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    h.wait_for_deliveries(1)


def test_deleted_mapping_stops_polling(harness):
    """AWS API Reference, DeleteEventSourceMapping: deletes the mapping; the queue is no longer
    read."""
    h = harness(MODE="ok", visibility=30)
    uuid = h.map()
    h.send({"n": 1})
    h.wait_for_deliveries(1)
    h.lam.delete_event_source_mapping(UUID=uuid)
    wait_until(lambda: not any(m["UUID"] == uuid for m in
                               h.lam.list_event_source_mappings(FunctionName=h.function)[
                                   "EventSourceMappings"]), 30, what="the mapping gone")
    h.send({"n": 2})
    time.sleep(OBSERVE_SECONDS)
    assert len(h.deliveries()) == 1 and h.queue_counts()[0] == 1


def test_filter_criteria_deletes_messages_that_do_not_match(harness):
    """AWS (event filtering): "For Amazon SQS, Lambda deletes messages that don't match the
    filter criteria"; patterns match the JSON body."""
    h = harness(MODE="ok", visibility=30)
    h.map(FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    [wanted] = h.send({"kind": "order"})
    h.send({"kind": "noise"}, "plain text")
    h.wait_for_deliveries(1)
    h.wait_drained()
    assert [r["messageId"] for r in h.deliveries()] == [wanted]


def test_fifo_failing_message_blocks_its_group_only(harness):
    """AWS: for FIFO queues Lambda keeps the order within a message group: a failed message
    is retried before any later message of its group is delivered; other groups continue
    (Lambda Developer Guide, "Using Lambda with Amazon SQS", FIFO)."""
    h = harness(fifo=True, MODE="raise", visibility=RETRY_VISIBILITY)
    a1 = h.send({"fail_times": 1, "n": "a1"}, MessageGroupId="A")[0]
    a2 = h.send({"n": "a2"}, MessageGroupId="A")[0]
    b1 = h.send({"n": "b1"}, MessageGroupId="B")[0]
    h.map(BatchSize=10)
    h.wait_for_deliveries(4)
    h.wait_drained()
    order = [r["messageId"] for r in h.deliveries()]
    group_a = [m for m in order if m in (a1, a2)]
    # a1 failed once: every delivery of a2 comes after a delivery of a1 in the same retry
    assert group_a[0] == a1 and group_a[-1] == a2
    for i, m in enumerate(group_a):
        if m == a2:
            assert group_a[i - 1] == a1
    assert b1 in order
    for batch in h.batches:
        assert len({r["attributes"]["MessageGroupId"] for r in batch["records"]}) == 1
