"""SQS receipt handles and FIFO guarantees (patches sqs_stale_receipts, sqs_fifo_dedup_window,
sqs_fifo_order). boto3 only: runs unchanged against any backend."""
from __future__ import annotations

import uuid

from labkit.lessons.polling import wait_until


def _counts(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def _receive_one(sqs, url, **kwargs):
    return wait_until(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1,
                                                  **kwargs).get("Messages", [None])[0],
                      30, what="a message to receive")


def test_stale_receipt_handle_does_not_delete_a_re_received_message(sqs):
    """AWS API Reference, DeleteMessage: "If you receive a message more than once, the receipt
    handle you get each time you receive the message is different. If you don't provide the
    most recently received receipt handle for the message when you use the DeleteMessage
    action, the request succeeds, but the message might not be deleted." """
    url = sqs.create_queue(QueueName=f"stale-{uuid.uuid4().hex[:8]}",
                           Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    first = _receive_one(sqs, url)
    second = _receive_one(sqs, url)  # visible again after 1 s, received again
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=60)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # succeeds...
    assert _counts(sqs, url) == (0, 1)                                       # ...deletes nothing
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    assert _counts(sqs, url) == (0, 0)


def test_fifo_deduplication_lasts_five_minutes_even_after_delete(sqs):
    """AWS API Reference, SendMessage MessageDeduplicationId: "If a message with a particular
    message deduplication ID is sent successfully, any messages sent with the same message
    deduplication ID are accepted successfully but aren't delivered during the 5-minute
    deduplication interval." """
    url = sqs.create_queue(QueueName=f"dedup-{uuid.uuid4().hex[:8]}.fifo",
                           Attributes={"FifoQueue": "true"})["QueueUrl"]
    send = dict(QueueUrl=url, MessageBody="pay 10", MessageGroupId="g",
                MessageDeduplicationId="payment-1")
    sqs.send_message(**send)
    first = _receive_one(sqs, url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert sqs.send_message(**send)["MessageId"]  # accepted...
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert again == []                              # ...but not delivered


def test_fifo_group_is_redelivered_in_order_after_visibility_timeout(sqs):
    """AWS (SQS Developer Guide, FIFO queues): messages of a group are delivered in the order
    sent; a message not deleted before its visibility timeout becomes available again ahead
    of the later messages of its group."""
    url = sqs.create_queue(QueueName=f"order-{uuid.uuid4().hex[:8]}.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true",
        "VisibilityTimeout": "1"})["QueueUrl"]
    for body in ("first", "second", "third"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["first", "second", "third"]
    again = _receive_one(sqs, url)  # nothing deleted: the group comes back from its head
    assert again["Body"] == "first"
