"""SQS publishes AWS/SQS metrics to CloudWatch, per queue, on a timer.

moto publishes no SQS metrics, so an alarm on a DLQ's depth never fires. A component
("sqs-metrics") counts sends, receives and deletes per queue, and every
LABKIT_METRICS_PERIOD seconds (default 10; AWS uses 1 minute, the labs shorten it) writes
the period's sums plus the queue gauges into moto's CloudWatch backend in-process.
"""
from __future__ import annotations

import functools
import os
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from labkit.emulator.periodic import PeriodicComponent

NAME = "sqs_metrics"
AWS_BEHAVIOUR = (
    "Amazon SQS sends metrics to CloudWatch in namespace AWS/SQS with dimension QueueName: "
    "ApproximateNumberOfMessagesVisible, ApproximateNumberOfMessagesNotVisible, "
    "ApproximateNumberOfMessagesDelayed, ApproximateAgeOfOldestMessage, "
    "NumberOfMessagesSent, NumberOfMessagesReceived, NumberOfMessagesDeleted, "
    "NumberOfEmptyReceives (Amazon SQS Developer Guide, 'Available CloudWatch metrics for "
    "Amazon SQS')."
)

NAMESPACE = "AWS/SQS"


def metrics_period() -> float:
    return float(os.environ.get("LABKIT_METRICS_PERIOD", "10"))


class SqsMetrics(PeriodicComponent):
    name = "sqs-metrics"

    def __init__(self, period: float):
        super().__init__(period)  # the publishing period is the component's interval
        self.counts: Counter[tuple[str, str, str, str]] = Counter()  # (account, region, queue, metric)
        self.lock = threading.Lock()
        self.published = 0

    def count(self, queue: Any, metric: str, n: int = 1) -> None:
        with self.lock:
            self.counts[(queue.account_id, queue.region, queue.name, metric)] += n

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    def health(self) -> dict[str, Any]:
        return {"period_s": self.interval, "publishes": self.published}

    def tick(self) -> None:
        self.publish()

    def publish(self) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.sqs.models import sqs_backends

        from labkit.emulator.patches.sqs_flat_cost import count_messages
        from labkit.emulator.pollers.sqs_lock import sqs_lock

        with self.lock:
            counts, self.counts = self.counts, Counter()
        now_ms = time.time() * 1000
        # naive UTC, like moto's own datapoints: GetMetricStatistics compares naive times
        when = datetime.now(timezone.utc).replace(tzinfo=None)
        for account, regions in list(sqs_backends.items()):
            for region, backend in list(regions.items()):
                data = []
                for queue in list(backend.queues.values()):
                    with sqs_lock:
                        visible, delayed, not_visible = count_messages(queue)
                        oldest = min((m.sent_timestamp for m in queue._messages), default=None)
                    age = (now_ms - oldest) / 1000 if oldest else 0.0
                    key = (account, region, queue.name)
                    values = [
                        ("ApproximateNumberOfMessagesVisible", visible, "Count"),
                        ("ApproximateNumberOfMessagesNotVisible", not_visible, "Count"),
                        ("ApproximateNumberOfMessagesDelayed", delayed, "Count"),
                        ("ApproximateAgeOfOldestMessage", age, "Seconds"),
                    ] + [(m, counts.get((*key, m), 0), "Count") for m in (
                        "NumberOfMessagesSent", "NumberOfMessagesReceived",
                        "NumberOfMessagesDeleted", "NumberOfEmptyReceives")]
                    data += [{"MetricName": name, "Value": float(value), "Unit": unit,
                              "Timestamp": when,
                              "Dimensions": [{"Name": "QueueName", "Value": queue.name}]}
                             for name, value, unit in values]
                for i in range(0, len(data), 500):
                    cloudwatch_backends[account][region].put_metric_data(NAMESPACE, data[i:i + 500])
        self.published += 1


def apply(ctx) -> None:
    from moto.sqs.models import Queue, SQSBackend

    metrics = ctx.add_component(SqsMetrics(metrics_period()))
    original_add = Queue.add_message
    original_receive = SQSBackend.receive_message
    original_delete = Queue.delete_message

    @functools.wraps(original_add)
    def add_message(self, message):
        before = len(self._messages)
        original_add(self, message)
        if not message.approximate_receive_count and len(self._messages) > before:
            metrics.count(self, "NumberOfMessagesSent")

    @functools.wraps(original_receive)
    def receive_message(self, queue_name, *args, **kwargs):
        received = original_receive(self, queue_name, *args, **kwargs)
        queue = self.queues.get(queue_name)
        if queue is not None:
            metrics.count(queue, "NumberOfMessagesReceived" if received
                          else "NumberOfEmptyReceives", len(received) or 1)
        return received

    @functools.wraps(original_delete)
    def delete_message(self, receipt_handle):
        before = len(self._messages)
        original_delete(self, receipt_handle)
        if len(self._messages) < before:
            metrics.count(self, "NumberOfMessagesDeleted")

    Queue.add_message = add_message
    SQSBackend.receive_message = receive_message
    Queue.delete_message = delete_message
