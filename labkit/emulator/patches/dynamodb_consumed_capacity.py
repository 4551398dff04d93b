"""DynamoDB Query and Scan report the read units of the items they read.

moto answers ConsumedCapacity.CapacityUnits = 1.0 for every Query and Scan (its decorator
``include_consumed_capacity``), whatever was read and however, and with
ReturnConsumedCapacity=INDEXES files an index's units under LocalSecondaryIndexes even for a
global secondary index. Here the sizes of the items each call READ (before any
FilterExpression, within Limit and the 1 MB page) are summed and rounded up to 4 KB.

Item sizes are moto's own ``Item.size()``: attribute names and string/binary values in bytes,
booleans 1 byte, which is AWS's formula ("Item sizes and formats"). It differs for numbers
(moto counts the characters of the decimal string; AWS about one byte per two significant
digits plus one: equal for 1-2 digit numbers, larger for longer ones) and for lists and maps
(moto leaves out AWS's 3 bytes per container and 1 byte per element). Items read but dropped
by a legacy ScanFilter/QueryFilter are not counted: moto drops them before the point measured.
"""
from __future__ import annotations

import inspect
import math
import threading
from functools import wraps

NAME = "dynamodb_consumed_capacity"
AWS_BEHAVIOUR = (
    "'Query - All items returned are treated as a single read operation, where DynamoDB computes "
    "the total size of all items and then rounds up to the next 4 KB boundary.' 'Scan - DynamoDB "
    "considers the size of the items that are evaluated, not the size of the items returned by "
    "the scan.' A strongly consistent read of up to 4 KB costs one read unit, an eventually "
    "consistent one half; 'If you perform a read operation on an item that does not exist, "
    "DynamoDB still consumes provisioned read throughput: A strongly consistent read request "
    "consumes one read capacity unit, while an eventually consistent read request consumes 0.5' "
    "(DynamoDB Developer Guide, 'DynamoDB read and write operations' / 'Read capacity units'). "
    "'A filter expression is applied after a Scan finishes but before the results are returned. "
    "Therefore, a Scan consumes the same amount of read capacity, regardless of whether a filter "
    "expression is present' (same for Query; Developer Guide, 'Query' and 'Scan' pages, Filter "
    "expressions); Limit and the 1 MB page bound what is read. Global secondary indexes support "
    "eventually consistent reads only (Developer Guide, 'Global secondary indexes')."
)

READ_UNIT_BYTES = 4096
_local = threading.local()


class _Measure:
    """Stands in for the filter expression moto applies to the items it read (after Limit and
    the 1 MB page, before projection): adds up their sizes, then applies the real filter."""

    def __init__(self, inner):
        self.inner = inner

    def expr(self, item) -> bool:
        _local.read_bytes = getattr(_local, "read_bytes", 0) + item.size()
        return True if self.inner is None else self.inner.expr(item)


def read_units(read_bytes: int, strong: bool) -> float:
    # A call that reads nothing still costs one 4 KB read: the docs say so for a nonexistent
    # item ("Read capacity units"); we assume the same for a Query or Scan that reads nothing.
    blocks = max(1, math.ceil(read_bytes / READ_UNIT_BYTES))
    return blocks * (1.0 if strong else 0.5)


def _measure_reads(table_cls, operation: str) -> None:
    original = getattr(table_cls, operation)
    signature = inspect.signature(original)

    @wraps(original)
    def measured(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments["filter_expression"] = _Measure(bound.arguments.get("filter_expression"))
        return original(*bound.args, **bound.kwargs)

    setattr(table_cls, operation, measured)


def _report(handler_cls, operation: str) -> None:
    original = getattr(handler_cls, operation)  # moto's decorator validates and adds 1.0

    @wraps(original)
    def reported(handler):
        _local.read_bytes = 0
        try:
            result = original(handler)
            read_bytes = _local.read_bytes
        finally:
            _local.read_bytes = 0
        capacity = result.result.get("ConsumedCapacity")  # type: ignore[union-attr]
        if capacity:
            _rewrite(handler, capacity, read_bytes)
        return result

    setattr(handler_cls, operation, reported)


def _rewrite(handler, capacity: dict, read_bytes: int) -> None:
    body = handler.body
    index = body.get("IndexName")
    table = handler.dynamodb_backend.get_table(body["TableName"])
    is_gsi = bool(index) and any(i.name == index for i in (table.global_indexes or []))
    units = read_units(read_bytes, strong=bool(body.get("ConsistentRead")) and not is_gsi)
    capacity["CapacityUnits"] = units
    if "Table" not in capacity:  # TOTAL
        return
    capacity.pop("LocalSecondaryIndexes", None)
    if not index:
        capacity["Table"] = {"CapacityUnits": units}
        return
    # An index read is charged to the index (a GSI has its own capacity; an LSI's reads come
    # out of the table's, but INDEXES still reports them under the index). Table: 0 here,
    # since fetching non-projected attributes from the table is not modelled.
    capacity["Table"] = {"CapacityUnits": 0.0}
    kind = "GlobalSecondaryIndexes" if is_gsi else "LocalSecondaryIndexes"
    capacity[kind] = {index: {"CapacityUnits": units}}


def apply(ctx) -> None:
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    for operation in ("query", "scan"):
        _measure_reads(Table, operation)
        _report(DynamoHandler, operation)
