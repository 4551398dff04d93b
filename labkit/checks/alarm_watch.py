"""Watching a CloudWatch alarm from a check: its notifications (delivered by its SNS topic to an
inbox queue the check subscribes) and the metric publications it is evaluated on. Shared by the
labs whose tasks build an alarm (03: the DLQ, 05: the stuck-saga queue)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any


def alarm_notes(sqs, inbox: str, notes: list[dict[str, Any]]) -> None:
    """Move the notifications the topic delivered to our inbox queue into `notes`."""
    got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    for message in got.get("Messages", []):
        try:
            notes.append(json.loads(json.loads(message["Body"])["Message"]))
        except (ValueError, KeyError, TypeError):
            notes.append({"raw": message["Body"][:200]})
        sqs.delete_message(QueueUrl=inbox, ReceiptHandle=message["ReceiptHandle"])


def alarmed(notes: list[dict[str, Any]], alarm_name: str) -> bool:
    return any(n.get("NewStateValue") == "ALARM" and n.get("AlarmName") == alarm_name for n in notes)


def depth_publishes(cloudwatch, queue_name: str, since: datetime) -> int:
    """How many times SQS published the queue's depth to CloudWatch since `since`: the clock
    an alarm on the queue is evaluated by."""
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": queue_name}], StartTime=since,
        EndTime=datetime.now(timezone.utc) + timedelta(minutes=1), Period=3600,
        Statistics=["SampleCount"])["Datapoints"]
    return int(sum(p["SampleCount"] for p in points))
