"""DynamoDB requests are applied one at a time, so concurrent writes never lose updates.

moto keeps items in plain dicts and reads-then-writes without a lock: 8 threads doing
`ADD n :one` lost updates (977/1000 seen), and two concurrent `attribute_not_exists` puts
could both succeed. One lock around every DynamoDB request makes each one atomic, as a
single-item write is on AWS.

Stream -> Lambda deliveries that moto makes from inside a write are deferred until the
lock is released: the handler may call DynamoDB back, and must not wait for our own lock.
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

NAME = "dynamodb_atomic_writes"
AWS_BEHAVIOUR = (
    "UpdateExpression 'ADD c :one' / 'SET c = c + :one' are atomic per item; "
    "ConditionExpression 'attribute_not_exists(pk)' fails with ConditionalCheckFailedException "
    "(AWS DynamoDB Developer Guide, 'Atomic counters' and "
    "'Condition expressions': every write is applied atomically to one item)."
)

_lock = threading.RLock()
_local = threading.local()


@contextmanager
def serialized() -> Iterator[None]:
    """Hold the DynamoDB lock; run deferred callbacks once the outermost holder leaves."""
    with _lock:
        depth = getattr(_local, "depth", 0)
        if depth == 0:
            _local.after = []
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
            after = _local.after if depth == 0 else []
    for callback in after:
        try:
            callback()
        except Exception as exc:  # a failed delivery must not fail the write that caused it
            print(f"labkit: deferred DynamoDB callback failed: {exc!r}", file=sys.stderr)


def run_after_release(callback: Callable[[], object]) -> None:
    """Run callback now, or, if this thread holds the lock, right after it releases it."""
    if getattr(_local, "depth", 0) > 0:
        _local.after.append(callback)
    else:
        callback()


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.responses import DynamoHandler

    original_call_action = DynamoHandler.call_action

    def call_action(self):
        with serialized():
            return original_call_action(self)

    DynamoHandler.call_action = call_action

    original_send = LambdaBackend.send_dynamodb_items

    def send_dynamodb_items(self, function_arn, items, source):
        snapshot = list(items)
        run_after_release(lambda: original_send(self, function_arn, snapshot, source))
        return "delivered after the write"  # truthy: moto then clears the shard's pending list

    LambdaBackend.send_dynamodb_items = send_dynamodb_items
