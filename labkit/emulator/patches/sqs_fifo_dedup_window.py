"""FIFO deduplication lasts 5 minutes from the first send, even once that message is gone.

moto only compares a new message with the messages still in the queue, so a producer that
retries after the consumer deleted the first copy gets a duplicate delivered. Here each
FIFO queue remembers every deduplication id for 300 s from its first send.
"""
from __future__ import annotations

import functools
from collections import OrderedDict

NAME = "sqs_fifo_dedup_window"
AWS_BEHAVIOUR = (
    "If a message with a particular message deduplication ID is sent successfully, any "
    "messages sent with the same message deduplication ID are accepted successfully but "
    "aren't delivered during the 5-minute deduplication interval (Amazon SQS API Reference, "
    "SendMessage, MessageDeduplicationId)."
)

WINDOW_MS = 300 * 1000


def apply(ctx) -> None:
    from moto.sqs.models import Queue

    original_add_message = Queue.add_message

    @functools.wraps(original_add_message)
    def add_message(self, message):
        # only fresh sends are deduplicated; a message moved to a DLQ or redriven
        # back has been received before and must not be dropped
        if self.fifo_queue and message.deduplication_id and not message.approximate_receive_count:
            seen = self.__dict__.setdefault("_labkit_dedup_seen", OrderedDict())
            now = message.sent_timestamp
            while seen and now - next(iter(seen.values())) >= WINDOW_MS:
                seen.popitem(last=False)
            scope = message.group_id if self.deduplication_scope == "messageGroup" else None
            key = (scope, message.deduplication_id)
            if key in seen:
                return  # accepted, not delivered
            seen[key] = now
        original_add_message(self, message)

    Queue.add_message = add_message
