"""DynamoDB Time to Live: expired items are deleted by a background sweeper.

moto stores the TTL setting but never deletes anything. AWS deletes expired items in the
background, typically within a few days (its docs: usually within 48 hours); a lab cannot
wait that long, so our sweeper runs every LABKIT_DYNAMODB_TTL_INTERVAL seconds (default 2).
Deletions appear on the table's stream as REMOVE records whose userIdentity marks the
DynamoDB service as the deleter, as on AWS.
"""
from __future__ import annotations

import os
import threading
import time

from labkit.emulator.patches.dynamodb_atomic_writes import serialized
from labkit.emulator.periodic import PeriodicComponent

NAME = "dynamodb_ttl"
AWS_BEHAVIOUR = (
    "'Amazon DynamoDB Time to Live (TTL) allows you to define a per-item timestamp to determine "
    "when an item is no longer needed. Shortly after the date and time of the specified "
    "timestamp, DynamoDB deletes the item from your table.' The TTL attribute must be a Number "
    "in epoch seconds; items more than five years in the past are not deleted. TTL deletions "
    "in a stream carry userIdentity {\"type\": \"Service\", \"principalId\": "
    "\"dynamodb.amazonaws.com\"} (DynamoDB Developer Guide, 'Using time to live (TTL)' and "
    "'DynamoDB Streams and Time to Live')."
)

FIVE_YEARS_S = 5 * 365 * 24 * 3600
# GetRecords' shape (API Reference, Streams Identity: PrincipalId, Type); Lambda events
# spell the same thing {"type": "Service", "principalId": "dynamodb.amazonaws.com"}.
SERVICE_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}

_local = threading.local()


def expired(item, attribute: str, now: float) -> bool:
    value = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return False  # AWS ignores TTL attributes that are not numbers
    expires = float(value.value)
    return now - FIVE_YEARS_S <= expires < now


class TtlSweeper(PeriodicComponent):
    """Component "dynamodb-ttl": deletes expired items of TTL-enabled tables."""

    name = "dynamodb-ttl"

    def __init__(self, interval: float):
        super().__init__(interval)
        self.deleted = 0

    def tick(self) -> None:
        self.sweep()

    def reset(self) -> None:
        self.deleted = 0

    def health(self) -> dict:
        return {"interval_s": self.interval, "deleted": self.deleted}

    def sweep(self, now: float | None = None) -> int:
        from moto.dynamodb.models import dynamodb_backends

        now = time.time() if now is None else now
        removed = 0
        for regions in list(dynamodb_backends.values()):
            for backend in list(regions.values()):
                for table in list(backend.tables.values()):
                    ttl = table.ttl or {}
                    if ttl.get("TimeToLiveStatus") != "ENABLED" or not ttl.get("AttributeName"):
                        continue
                    removed += self._sweep_table(table, ttl["AttributeName"], now)
        self.deleted += removed
        return removed

    @staticmethod
    def _sweep_table(table, attribute: str, now: float) -> int:
        removed = 0
        with serialized():
            doomed = [i for i in table.all_items() if expired(i, attribute, now)]
            _local.ttl_delete = True
            try:
                for item in doomed:
                    if table.delete_item(item.hash_key, item.range_key) is not None:
                        removed += 1
            finally:
                _local.ttl_delete = False
        return removed


def apply(ctx) -> None:
    from moto.dynamodb.models.table import StreamRecord

    interval = float(os.environ.get("LABKIT_DYNAMODB_TTL_INTERVAL", "2"))
    ctx.add_component(TtlSweeper(interval))

    original_init = StreamRecord.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if getattr(_local, "ttl_delete", False):
            self.record["userIdentity"] = dict(SERVICE_IDENTITY)

    StreamRecord.__init__ = init
