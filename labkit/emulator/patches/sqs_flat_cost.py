"""SQS calls cost the same at any queue depth (moto recomputes per message).

Profiled (cProfile, moto 5.2.5): every SendMessage reads `queue.attributes` for one static
setting, and that property counts visible / delayed / in-flight messages by checking each
message's clock (two datetime round trips per message); every received message re-reads
`MessageRetentionPeriod` through GetQueueAttributes (three full `attributes` builds);
ReceiveMessage first builds the list of *all* visible messages to take ten; DeleteMessage
and ChangeMessageVisibility scan every message's receipt handles. Result: ~150 ms per send
and ~2 s per receive+delete of 10 at depth 2,000.

Here, without changing any answer: sends skip the message counts they never read; the
counts, when asked for, take one pass with one clock reading; receive walks the queue
lazily and stops at the batch size; the retention check reads the setting directly; and
receipt handles are indexed, so delete and change-visibility find their message at once.
"""
from __future__ import annotations

import functools
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Iterator

NAME = "sqs_flat_cost"
AWS_BEHAVIOUR = (
    "SQS request cost does not depend on queue depth: Amazon SQS supports a nearly "
    "unlimited number of messages and transactions per second per API action for standard "
    "queues (Amazon SQS Developer Guide, 'Amazon SQS standard queues'); shared/design.md "
    "measured moto at ~160 sends/s empty vs 25/s at depth 1,000."
)

COUNT_ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                    "ApproximateNumberOfMessagesNotVisible")

_local = threading.local()
_owner: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()   # message -> queue
_by_handle: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()  # handle -> message


def count_messages(queue: Any) -> tuple[int, int, int]:
    """(visible and not delayed, delayed, not visible): moto's three definitions, one pass."""
    from moto.core.utils import unix_time_millis

    now = unix_time_millis()
    visible = delayed = not_visible = 0
    for m in list(queue._messages):
        is_delayed = now < m.delayed_until
        is_visible = now > m.visible_at
        delayed += is_delayed
        not_visible += not is_visible
        visible += is_visible and not is_delayed
    return visible, delayed, not_visible


class VisibleMessages:
    """Queue.messages, walked lazily: receive stops after the batch it needs."""

    def __init__(self, queue: Any):
        self._queue = queue

    def __iter__(self) -> Iterator[Any]:
        from moto.core.utils import unix_time_millis

        now = unix_time_millis()
        for m in self._queue._messages:  # no copy: receive stops after a few messages
            if now > m.visible_at and not now < m.delayed_until:
                yield m

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@contextmanager
def _static_attributes_only() -> Iterator[None]:
    previous = getattr(_local, "static_only", False)
    _local.static_only = True
    try:
        yield
    finally:
        _local.static_only = previous


def apply(ctx) -> None:
    import moto.sqs.models
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid
    from moto.sqs.models import Message, Queue, SQSBackend

    # Queue.attributes converts each of its ~15 names from CamelCase, character by
    # character, every time it is read (every SendMessage reads it): remember the answers.
    if not hasattr(moto.sqs.models.camelcase_to_underscores, "cache_info"):
        moto.sqs.models.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
            moto.sqs.models.camelcase_to_underscores)

    original_attributes = Queue.attributes.fget
    original_add_message = Queue.add_message
    original_mark_received = Message.mark_received
    original_purge = SQSBackend.purge_queue
    original_send = SQSBackend.send_message
    original_send_batch = SQSBackend.send_message_batch

    def attributes(self):
        # the count properties read this snapshot instead of re-scanning the queue
        counts = None if getattr(_local, "static_only", False) else count_messages(self)
        _local.snapshot = (self, counts or (0, 0, 0))
        try:
            result = original_attributes(self)
        finally:
            _local.snapshot = None
        if counts is None:  # sends read only static settings: leave the counts out
            for key in COUNT_ATTRIBUTES:
                result.pop(key, None)
        return result

    def count_property(index: int) -> property:
        def get(self):
            snapshot = getattr(_local, "snapshot", None)
            if snapshot is not None and snapshot[0] is self:
                return snapshot[1][index]
            return count_messages(self)[index]
        return property(get)

    def add_message(self, message):
        original_add_message(self, message)
        if self._messages and self._messages[-1] is message:  # not dropped as a duplicate
            _owner[message] = self

    def mark_received(self, visibility_timeout=None):
        original_mark_received(self, visibility_timeout)
        _by_handle[self.receipt_handle] = self

    def find(queue, receipt_handle):
        message = _by_handle.get(receipt_handle)
        if message is None or _owner.get(message) is not queue:
            raise ReceiptHandleIsInvalid()
        return message

    def delete_message(self, receipt_handle):
        if receipt_handle in self.deleted_messages:
            return  # already deleted: succeeds again, as in moto
        message = find(self, receipt_handle)
        self._messages.remove(message)
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        _owner.pop(message, None)

    def change_message_visibility(self, queue_name, receipt_handle, visibility_timeout):
        queue = self.get_queue(queue_name)
        message = find(queue, receipt_handle)
        given = unix_time_millis() + int(visibility_timeout) * 1000
        if given - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: "
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]")
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)

    def retention_ok(self, queue_name, message):
        queue = self.get_queue(queue_name)
        return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()

    def purge_queue(self, queue_name):
        dropped = list(self.get_queue(queue_name)._messages)
        original_purge(self, queue_name)
        for message in dropped:
            _owner.pop(message, None)

    @functools.wraps(original_send)
    def send_message(self, *args, **kwargs):
        with _static_attributes_only():
            return original_send(self, *args, **kwargs)

    @functools.wraps(original_send_batch)
    def send_message_batch(self, *args, **kwargs):
        with _static_attributes_only():
            return original_send_batch(self, *args, **kwargs)

    from labkit.emulator.pollers.sqs_lock import serialized

    if getattr(SQSBackend.change_message_visibility, "__labkit_serialized__", False):
        change_message_visibility = serialized(change_message_visibility)  # stay serialized

    Queue.attributes = property(attributes)
    Queue.approximate_number_of_messages = count_property(0)
    Queue.approximate_number_of_messages_delayed = count_property(1)
    Queue.approximate_number_of_messages_not_visible = count_property(2)
    Queue.messages = property(VisibleMessages)
    Queue.add_message = add_message
    Queue.delete_message = delete_message
    Message.mark_received = mark_received
    SQSBackend.change_message_visibility = change_message_visibility
    SQSBackend.is_message_valid_based_on_retention_period = retention_ok
    SQSBackend.purge_queue = purge_queue
    SQSBackend.send_message = send_message
    SQSBackend.send_message_batch = send_message_batch
