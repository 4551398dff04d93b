"""DLQ redrive: StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask.

moto has none of the three. A task moves the messages of a dead-letter queue back to the
queue each one came from (or to DestinationArn), in the background, optionally at
MaxNumberOfMessagesPerSecond; moved messages start over (receive count 0), so the source
queue's RedrivePolicy gives them a fresh maxReceiveCount. One task per source at a time.
"""
from __future__ import annotations

import base64
import functools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

NAME = "sqs_message_move_tasks"
AWS_BEHAVIOUR = (
    "StartMessageMoveTask starts an asynchronous task to move messages from a specified "
    "source queue to a specified destination queue; the source queue must be configured as "
    "a dead-letter queue; if DestinationArn is not specified, messages are moved back to "
    "the original source queues; only one active message movement task is supported per "
    "queue at any given time (Amazon SQS API Reference, StartMessageMoveTask, "
    "ListMessageMoveTasks, CancelMessageMoveTask)."
)

MOVE_CHUNK = 100  # messages moved per hold of the SQS lock


@dataclass
class MoveTask:
    source_arn: str
    destination_arn: str | None
    rate: int | None
    to_move: int
    handle: str = ""
    status: str = "RUNNING"
    moved: int = 0
    failure: str | None = None
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    cancel: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Status": self.status, "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            out["TaskHandle"] = self.handle
        if self.destination_arn:
            out["DestinationArn"] = self.destination_arn
        if self.rate:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            out["FailureReason"] = self.failure
        return out


class MoveTasks:
    """Component holding the tasks (wiped on reset)."""

    name = "sqs-message-move-tasks"

    def __init__(self) -> None:
        self.by_source: dict[str, list[MoveTask]] = {}
        self.lock = threading.Lock()

    def start(self) -> None: ...

    def stop(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for tasks in self.by_source.values():
                for task in tasks:
                    task.cancel.set()
            self.by_source = {}

    def health(self) -> dict[str, Any]:
        return {"running": sum(t.status == "RUNNING" for ts in self.by_source.values() for t in ts)}


def _queue_by_arn(arn: str) -> Any:
    from moto.sqs.exceptions import QueueDoesNotExist
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise QueueDoesNotExist()
    return sqs_backends[parts[4]][parts[3]].get_queue(parts[5])


def _is_dead_letter_queue(queue: Any) -> bool:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[queue.account_id][queue.region]
    return any(q.dead_letter_queue is queue for q in list(backend.queues.values()))


def _run(task: MoveTask) -> None:
    from labkit.emulator.pollers.sqs_lock import sqs_lock

    try:
        source = _queue_by_arn(task.source_arn)
        fixed_destination = _queue_by_arn(task.destination_arn) if task.destination_arn else None
        while task.moved < task.to_move and not task.cancel.is_set():
            chunk = 1 if task.rate else MOVE_CHUNK
            with sqs_lock:
                ready = [m for m in source.messages][: min(chunk, task.to_move - task.moved)]
                for message in ready:
                    origin = getattr(message, "_labkit_origin_arn", None)
                    destination = fixed_destination or (_queue_by_arn(origin) if origin else None)
                    if destination is None:
                        raise RuntimeError("message has no recorded source queue")
                    source._messages.remove(message)
                    source.pending_messages.discard(message)
                    destination.add_message(message)
                    # a redriven message starts over on its new queue
                    message.approximate_receive_count = 0
                    message.approximate_first_receive_timestamp = None
                    task.moved += 1
            if not ready:
                break  # nothing left that is visible
            if task.rate:
                task.cancel.wait(1.0 / task.rate)
        task.status = "CANCELLED" if task.cancel.is_set() and task.moved < task.to_move \
            else "COMPLETED"
    except Exception as exc:
        task.status, task.failure = "FAILED", str(exc)


def apply(ctx) -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import Queue
    from moto.sqs.responses import SQSResponse

    tasks = ctx.add_component(MoveTasks())
    original_add_message = Queue.add_message

    @functools.wraps(original_add_message)
    def add_message(self, message):
        if not message.approximate_receive_count and not hasattr(message, "_labkit_origin_arn"):
            message._labkit_origin_arn = self.queue_arn  # where a redrive sends it back
        original_add_message(self, message)

    def start_message_move_task(self) -> ActionResult:
        source_arn = self._get_param("SourceArn")
        destination_arn = self._get_param("DestinationArn")
        rate = self._get_param("MaxNumberOfMessagesPerSecond")
        source = _queue_by_arn(source_arn)
        if destination_arn:
            _queue_by_arn(destination_arn)
        if not _is_dead_letter_queue(source):
            raise InvalidParameterValue(
                "Source queue must be configured as a Dead Letter Queue.")
        if rate is not None and not 1 <= int(rate) <= 500:
            raise InvalidParameterValue("MaxNumberOfMessagesPerSecond must be between 1 and 500.")
        with tasks.lock:
            history = tasks.by_source.setdefault(source_arn, [])
            if any(t.status == "RUNNING" for t in history):
                raise InvalidParameterValue(
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time.")
            task = MoveTask(source_arn, destination_arn, int(rate) if rate else None,
                            to_move=len(source.messages))
            task.handle = base64.b64encode(json.dumps(
                {"taskId": str(uuid.uuid4()), "sourceArn": source_arn}).encode()).decode()
            history.insert(0, task)
        threading.Thread(target=_run, args=(task,), name="sqs-move-task", daemon=True).start()
        return ActionResult({"TaskHandle": task.handle})

    def list_message_move_tasks(self) -> ActionResult:
        source_arn = self._get_param("SourceArn")
        limit = int(self._get_param("MaxResults") or 1)
        _queue_by_arn(source_arn)
        with tasks.lock:
            found = list(tasks.by_source.get(source_arn, []))[:limit]
        return ActionResult({"Results": [t.describe() for t in found]})

    def cancel_message_move_task(self) -> ActionResult:
        handle = self._get_param("TaskHandle")
        with tasks.lock:
            task = next((t for ts in tasks.by_source.values() for t in ts
                         if t.handle == handle and t.status == "RUNNING"), None)
        if task is None:
            raise JsonRESTError("ResourceNotFoundException", "Task does not exist.")
        task.cancel.set()
        task.status = "CANCELLED"
        return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})

    Queue.add_message = add_message
    SQSResponse.start_message_move_task = start_message_move_task
    SQSResponse.list_message_move_tasks = list_message_move_tasks
    SQSResponse.cancel_message_move_task = cancel_message_move_task
