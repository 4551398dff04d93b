"""Helpers for lesson 03 (errors and dead-letter queues): queue depths over time, reading a
queue's messages, and the number of attempts SQS's redrive policy allows.

Plain boto3 clients are passed in, so the lesson runs the same on every backend.
"""
from __future__ import annotations

import json
import threading
import time

import pandas as pd

DEPTH_ATTRIBUTES = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


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


class DepthRecorder:
    """Samples the depth of some queues in a background thread, for a plot over time.

        with DepthRecorder(sqs, {"source": url, "dlq": dlq_url}) as depths:
            ...                      # the experiment
        depths.frame()               # columns t (s since start), queue, visible, in_flight
    """

    def __init__(self, sqs, queues: dict[str, str], interval: float = 0.25):
        self.sqs, self.queues, self.interval = sqs, dict(queues), interval
        self.started = time.time()
        self._rows: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="depth-recorder")

    def start(self) -> "DepthRecorder":
        self.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()  # always end on a fresh sample: the plot shows the final state

    def sample(self) -> None:
        for name, url in self.queues.items():
            depth = queue_depth(self.sqs, url)
            self._rows.append({"t": time.time() - self.started, "queue": name, **depth})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=["t", "queue", "visible", "in_flight"])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except Exception as error:  # a deleted queue ends the recording, never the lesson
                print(f"depth recorder stopped: {error}")
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> "DepthRecorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def read_all(sqs, queue_url: str, delete: bool = True, wait_s: int = 1) -> list[dict]:
    """Every message currently in the queue: dicts with body (parsed JSON when possible),
    attributes and message_attributes. ``delete=True`` empties the queue as it goes;
    ``delete=False`` leaves them (they are invisible for the queue's visibility timeout)."""
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s,
                                  AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            try:
                body = json.loads(message["Body"])
            except ValueError:
                body = message["Body"]
            found.append({"body": body, "attributes": message.get("Attributes", {}),
                          "message_attributes": message.get("MessageAttributes", {})})
            if delete:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def attempts_allowed(max_receive_count: int, failures_before_success: int | None) -> int:
    """How many times a consumer sees a message under a redrive policy.

    SQS moves a message to the dead-letter queue when a receive would push its
    ApproximateReceiveCount past maxReceiveCount, so a message that keeps failing is
    delivered exactly ``max_receive_count`` times. ``failures_before_success=None`` is a
    message that never succeeds (a poison message); ``k`` fails k times, then succeeds.
    """
    if max_receive_count < 1:
        raise ValueError("maxReceiveCount is at least 1")
    if failures_before_success is None:
        return max_receive_count
    return min(failures_before_success + 1, max_receive_count)


def ends_in_dlq(max_receive_count: int, failures_before_success: int | None) -> bool:
    """True when the message exhausts its receives before it can succeed."""
    return failures_before_success is None or failures_before_success >= max_receive_count
