"""Watching a CloudWatch alarm from a check: its notifications (delivered by its SNS topic to an
inbox queue the check subscribes) and the metric publications it is evaluated on. Shared by the
labs whose tasks build an alarm (03: the DLQ, 05: the stuck-saga queue)."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from labkit.lessons.polling import wait_until


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


class NotWithinPublishes(Exception):
    """An alarm did not get there after its queue's depth was published that many times."""


# A verdict waits for the alarm's own clock, not a guess of the machine's speed: the queue's
# depth published this many times, so a loaded machine that publishes late only makes the wait
# longer. After the last publish, the evaluator (every second) and the SNS delivery get a few
# seconds more.
SETTLE_PUBLISHES = 4   # 3 publishes an alarm on one datapoint has seen, and one period to act
AFTER_LAST_S = 3
CAP_S = 300            # only if publishing stopped altogether


def wait_for_alarm(condition, cloudwatch, queue_name: str, since: datetime, what: str,
                   publishes: int = SETTLE_PUBLISHES) -> None:
    """Poll `condition` (true: done; it may raise a Mismatch) until it holds; raise
    NotWithinPublishes once the queue's depth was published `publishes` times since `since`
    (and AFTER_LAST_S passed) with the condition still false."""
    counted_at: list[float] = []

    def settled() -> bool:
        if condition():
            return True
        if not counted_at and depth_publishes(cloudwatch, queue_name, since) >= publishes:
            counted_at.append(time.monotonic())
        if counted_at and time.monotonic() - counted_at[0] >= AFTER_LAST_S:
            raise NotWithinPublishes(f"{what}: not within {publishes} publishes of the depth")
        return False

    try:
        wait_until(settled, timeout=CAP_S, interval=1, what=what)
    except TimeoutError:
        raise NotWithinPublishes(f"{what}: the depth was not published {publishes} times "
                                 f"within {CAP_S} s") from None
