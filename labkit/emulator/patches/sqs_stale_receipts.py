"""DeleteMessage with an old receipt handle does not delete a message received again since.

moto deletes a message given any receipt handle it ever had. On AWS the handle belongs to
one receive: after the message is received again, only the newest handle deletes it; an
older one still answers success but the message stays (a slow consumer whose visibility
timeout expired must not delete the copy another consumer is now processing).
"""
from __future__ import annotations

import functools
import weakref
from typing import Any

NAME = "sqs_stale_receipts"
AWS_BEHAVIOUR = (
    "The receipt handle is associated with a specific instance of receiving the message. If "
    "you receive a message more than once, the receipt handle you get each time is different. "
    "When you request DeleteMessage, if you don't provide the most recently received receipt "
    "handle for the message, the request will still succeed, but the message might not be "
    "deleted (Amazon SQS API Reference, DeleteMessage)."
)

_superseded: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()


def apply(ctx) -> None:
    from moto.sqs.models import Message, Queue

    original_mark_received = Message.mark_received
    original_delete = Queue.delete_message

    @functools.wraps(original_mark_received)
    def mark_received(self, visibility_timeout=None):
        previous = self.receipt_handle
        original_mark_received(self, visibility_timeout)
        if previous:
            _superseded[previous] = self

    @functools.wraps(original_delete)
    def delete_message(self, receipt_handle):
        message = _superseded.get(receipt_handle)
        if (message is not None and message.receipt_handle != receipt_handle
                and receipt_handle not in self.deleted_messages):
            return  # an older receive's handle: success, but the message stays
        original_delete(self, receipt_handle)

    Message.mark_received = mark_received
    Queue.delete_message = delete_message
