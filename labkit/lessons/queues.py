"""The SQS plumbing the lessons share: a queue (with its dead-letter queue's redrive policy),
its ARN, what is left in it, and an event source mapping that is ready to poll it (also after
its settings change).

Plain boto3 clients are passed in, so a lesson runs the same on every backend, AWS included.
"""
from __future__ import annotations

import json

from labkit.lessons.polling import wait_until

DEPTH_ATTRIBUTES = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
# a new mapping is Creating, then Enabling, for seconds on AWS before its pollers start
MAPPING_READY_S = 120


def make_queue(sqs, name: str, visibility_s: int = 30, dlq_arn: str | None = None,
               max_receive: int | None = None, fifo: bool = False) -> tuple[str, str]:
    """Create queue `name` (".fifo" added for a FIFO queue); with `dlq_arn`, a message received
    `max_receive` times is moved there (the redrive policy). -> (url, arn)."""
    attributes = {"VisibilityTimeout": str(visibility_s)}
    if fifo:
        attributes["FifoQueue"] = "true"
    if dlq_arn:
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn,
                                                  "maxReceiveCount": max_receive})
    url = sqs.create_queue(QueueName=name + (".fifo" if fifo else ""),
                           Attributes=attributes)["QueueUrl"]
    return url, queue_arn(sqs, url)


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def queue_depth(sqs, queue_url: str) -> dict[str, int]:
    """{"visible": n, "in_flight": n} from the queue's approximate counters."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url,
                                          AttributeNames=DEPTH_ATTRIBUTES)["Attributes"]
    return {"visible": int(attributes["ApproximateNumberOfMessages"]),
            "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"])}


def messages_left(sqs, queue_url: str) -> int:
    """Visible + in flight: 0 means nothing can be received from this queue any more."""
    depth = queue_depth(sqs, queue_url)
    return depth["visible"] + depth["in_flight"]


def connect_queue(lam, function: str, queue_arn: str, **settings) -> str:
    """An event source mapping from the queue to the function (CreateEventSourceMapping's
    settings: BatchSize, FunctionResponseTypes, ...), returned once it is Enabled; -> its UUID."""
    mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn,
                                              **settings)["UUID"]
    wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled",
               timeout=MAPPING_READY_S, interval=0.5, what="the event source mapping to be Enabled")
    return mapping


def update_mapping(lam, mapping: str, **settings) -> None:
    """UpdateEventSourceMapping with `settings` (BatchSize, MaximumBatchingWindowInSeconds, ...),
    returning once the mapping is Enabled again (it is Updating meanwhile)."""
    lam.update_event_source_mapping(UUID=mapping, **settings)
    wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled",
               timeout=MAPPING_READY_S, interval=0.5, what="the event source mapping to be Enabled")


def allow_to_send(sqs, queue_url: str, queue_arn: str, service: str, source_arn: str) -> None:
    """Let one SNS topic or EventBridge rule send to the queue: on AWS they may only send to a
    queue whose policy allows it (`service`: "sns.amazonaws.com", "events.amazonaws.com")."""
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage",
            "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}]})})


def subscribe_queue(sns, sqs, topic_arn: str, queue_url: str, queue_arn: str,
                    raw: bool = False) -> None:
    """Subscribe the queue to the topic, which alone may send to it; `raw`: messages arrive as
    published, not wrapped in SNS's envelope (RawMessageDelivery)."""
    allow_to_send(sqs, queue_url, queue_arn, "sns.amazonaws.com", topic_arn)
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                  **({"Attributes": {"RawMessageDelivery": "true"}} if raw else {}))
