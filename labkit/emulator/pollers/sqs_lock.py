"""One lock around every SQS request, so our pollers and HTTP threads never race moto.

moto's SQS backend has no locking: two concurrent receives can hand out the same message
and a delete rebuilds the message list while a send appends to the old one (the message is
lost). Receives that long-poll release the lock while they wait.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

sqs_lock = threading.RLock()

SERIALIZED_METHODS = [
    "create_queue", "delete_queue", "get_queue_attributes", "set_queue_attributes",
    "send_message", "send_message_batch", "receive_message", "delete_message",
    "delete_message_batch", "change_message_visibility", "change_message_visibility_batch",
    "purge_queue",
]


def serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with sqs_lock:
            return method(*args, **kwargs)

    wrapper.__labkit_serialized__ = True  # type: ignore[attr-defined]
    return wrapper


def waits_unlocked(wait: Callable[..., Any]) -> Callable[..., Any]:
    """Queue.wait_for_messages (long polling) must not hold the lock while it sleeps."""

    @functools.wraps(wait)
    def wrapper(self: Any, timeout: Any) -> Any:
        if not sqs_lock._is_owned():  # type: ignore[attr-defined]
            return wait(self, timeout)
        state = sqs_lock._release_save()  # type: ignore[attr-defined]
        try:
            return wait(self, timeout)
        finally:
            sqs_lock._acquire_restore(state)  # type: ignore[attr-defined]

    return wrapper


def install() -> None:
    """Serialize moto's SQS backend (idempotent)."""
    from moto.sqs.models import Queue, SQSBackend

    for name in SERIALIZED_METHODS:
        method = getattr(SQSBackend, name)
        if not getattr(method, "__labkit_serialized__", False):
            setattr(SQSBackend, name, serialized(method))
    if not getattr(Queue.wait_for_messages, "__wrapped__", None):
        Queue.wait_for_messages = waits_unlocked(Queue.wait_for_messages)
