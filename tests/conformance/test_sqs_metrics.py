"""SQS metrics reach CloudWatch (patch sqs_metrics). boto3 only.

On AWS the period is 1 minute (allow several); the embedded backend publishes every
LABKIT_METRICS_PERIOD seconds (default 10)."""
from __future__ import annotations

import datetime as dt
import uuid

from labkit.lessons.polling import wait_until


def _max_datapoint(cw, queue, metric, statistic):
    now = dt.datetime.now(dt.timezone.utc)
    points = cw.get_metric_statistics(
        Namespace="AWS/SQS", MetricName=metric, Statistics=[statistic], Period=60,
        Dimensions=[{"Name": "QueueName", "Value": queue}],
        StartTime=now - dt.timedelta(minutes=10), EndTime=now + dt.timedelta(minutes=1))["Datapoints"]
    return max((p[statistic] for p in points), default=None)


def test_queue_depth_and_sent_count_are_published(aws):
    """AWS (SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS"): namespace
    AWS/SQS, dimension QueueName; ApproximateNumberOfMessagesVisible is the number of
    messages available for retrieval; NumberOfMessagesSent the number of messages added."""
    sqs, cw = aws("sqs"), aws("cloudwatch")
    name = f"metrics-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    wait_until(lambda: (_max_datapoint(cw, name, "ApproximateNumberOfMessagesVisible", "Maximum")
                        or 0) >= 3, 240, interval=2, what="a depth datapoint of 3")
    wait_until(lambda: (_max_datapoint(cw, name, "NumberOfMessagesSent", "Sum") or 0) >= 3,
               240, interval=2, what="NumberOfMessagesSent >= 3")
    assert _max_datapoint(cw, name, "ApproximateNumberOfMessagesNotVisible", "Maximum") == 0
    assert _max_datapoint(cw, name, "ApproximateAgeOfOldestMessage", "Maximum") is not None
