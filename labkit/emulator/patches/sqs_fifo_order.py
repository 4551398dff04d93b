"""FIFO: after a visibility timeout, a message group is redelivered in order.

moto frees an in-flight FIFO message only when its receive loop reaches it: the first
message of a group is skipped because the group's later messages still count as in
flight, then the second is delivered first. Here every message whose visibility timeout
has expired is released before the receive starts, so the group's head comes first.
"""
from __future__ import annotations

import functools

NAME = "sqs_fifo_order"
AWS_BEHAVIOUR = (
    "In FIFO queues, messages are delivered in the exact order they are sent within a "
    "message group; if a message is not deleted before its visibility timeout expires, it "
    "becomes available again, and messages after it in the group are not delivered before "
    "it (Amazon SQS Developer Guide, 'Amazon SQS FIFO queues' and 'Message ordering')."
)


def apply(ctx) -> None:
    from moto.sqs.models import SQSBackend

    original_receive = SQSBackend.receive_message

    @functools.wraps(original_receive)
    def receive_message(self, queue_name, *args, **kwargs):
        queue = self.queues.get(queue_name)
        if queue is not None and queue.fifo_queue:
            for message in list(queue.pending_messages):
                if message.visible:
                    queue.pending_messages.discard(message)
        return original_receive(self, queue_name, *args, **kwargs)

    SQSBackend.receive_message = receive_message
