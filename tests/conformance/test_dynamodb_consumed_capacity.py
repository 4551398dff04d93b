"""Query and Scan report the read units of the items they read (patch dynamodb_consumed_capacity).

AWS (DynamoDB Developer Guide, "DynamoDB read and write operations" / "Read capacity units"):
"Query - ... DynamoDB computes the total size of all items and then rounds up to the next 4 KB
boundary"; "Scan - DynamoDB considers the size of the items that are evaluated, not the size of
the items returned by the scan". Up to 4 KB costs 1 read unit strongly consistent, 0.5 eventually
consistent (the default); global secondary indexes are eventually consistent only.

The table: 10 items of exactly 1,024 bytes each by AWS's item-size rule (attribute names plus
string values, in UTF-8 bytes), 10,240 bytes in all, which rounds up to 12 KB = 3 blocks of 4 KB.
"""
from __future__ import annotations

import pytest

from tests.conformance import dynamodb_tables

ITEMS, ITEM_BYTES = 10, 1024
IN_G0 = 3          # items 0..2 are in group g0 of the index, the others in g1
INDEX = "by-grp"


def _item(i: int) -> dict:
    pk, grp = f"item-{i:02d}", "g0" if i < IN_G0 else "g1"
    fixed = len("pk") + len(pk) + len("grp") + len(grp) + len("data")
    return {"pk": {"S": pk}, "grp": {"S": grp}, "data": {"S": "x" * (ITEM_BYTES - fixed)}}


@pytest.fixture(scope="module")
def table(ddb):
    grp = {"AttributeName": "grp", "AttributeType": "S"}
    index = {"IndexName": INDEX, "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}]}
    with dynamodb_tables.table(ddb, "rcu", (grp,), GlobalSecondaryIndexes=[index]) as name:
        for i in range(ITEMS):
            ddb.put_item(TableName=name, Item=_item(i))
        yield name


def _units(answer: dict) -> float:
    return answer["ConsumedCapacity"]["CapacityUnits"]


def test_scan_sums_the_sizes_of_all_items_then_rounds_up_to_4kb(ddb, table):
    """AWS: a Scan reads all items; sizes are summed and rounded up to the next 4 KB: 10 items of
    1 KB = 10 KB -> 12 KB -> 3 read units strongly consistent, 1.5 eventually consistent (the
    default)."""
    strong = ddb.scan(TableName=table, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    eventual = ddb.scan(TableName=table, ReturnConsumedCapacity="TOTAL")
    assert strong["ScannedCount"] == eventual["ScannedCount"] == ITEMS
    assert _units(strong) == 3.0
    assert _units(eventual) == 1.5
    assert eventual["ConsumedCapacity"]["TableName"] == table


def test_a_filter_does_not_reduce_what_a_scan_consumes(ddb, table):
    """AWS ("Scan", Filter expressions): "A filter expression is applied after a Scan finishes
    but before the results are returned. Therefore, a Scan consumes the same amount of read
    capacity, regardless of whether a filter expression is present": one item returned, still
    1.5 units."""
    answer = ddb.scan(TableName=table, FilterExpression="pk = :pk", ReturnConsumedCapacity="TOTAL",
                      ExpressionAttributeValues={":pk": {"S": "item-04"}})
    assert answer["Count"] == 1 and answer["ScannedCount"] == ITEMS
    assert _units(answer) == 1.5


def test_a_query_of_one_small_item_costs_half_a_unit_or_one_unit(ddb, table):
    """AWS: an item up to 4 KB costs 0.5 read units eventually consistent (Query's default) and 1
    strongly consistent (ConsistentRead=True)."""
    key = {":pk": {"S": "item-07"}}
    eventual = ddb.query(TableName=table, KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues=key, ReturnConsumedCapacity="TOTAL")
    strong = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ConsistentRead=True,
                       ExpressionAttributeValues=key, ReturnConsumedCapacity="TOTAL")
    assert eventual["Count"] == strong["Count"] == 1
    assert _units(eventual) == 0.5
    assert _units(strong) == 1.0


def test_a_query_that_reads_nothing_still_costs_the_minimum(ddb, table):
    """AWS ("Read capacity units"): "If you perform a read operation on an item that does not
    exist, DynamoDB still consumes provisioned read throughput: A strongly consistent read
    request consumes one read capacity unit, while an eventually consistent read request
    consumes 0.5"."""
    key = {":pk": {"S": "no-such-item"}}
    eventual = ddb.query(TableName=table, KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues=key, ReturnConsumedCapacity="TOTAL")
    strong = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ConsistentRead=True,
                       ExpressionAttributeValues=key, ReturnConsumedCapacity="TOTAL")
    assert eventual["Count"] == 0
    assert (_units(eventual), _units(strong)) == (0.5, 1.0)


def test_a_gsi_query_reports_its_units_under_global_secondary_indexes(ddb, table):
    """AWS (API Reference, ConsumedCapacity; ReturnConsumedCapacity): INDEXES returns the total
    plus the units of each table and index accessed, a global secondary index under
    GlobalSecondaryIndexes. 3 items of 1 KB = 3 KB -> 4 KB, eventually consistent (GSIs are
    always) -> 0.5 units."""
    answer = ddb.query(TableName=table, IndexName=INDEX, KeyConditionExpression="grp = :g",
                       ExpressionAttributeValues={":g": {"S": "g0"}}, ReturnConsumedCapacity="INDEXES")
    capacity = answer["ConsumedCapacity"]
    assert answer["Count"] == IN_G0
    assert capacity["CapacityUnits"] == 0.5
    assert capacity["GlobalSecondaryIndexes"] == {INDEX: {"CapacityUnits": 0.5}}
    assert INDEX not in capacity.get("LocalSecondaryIndexes", {})


def test_a_table_scan_with_indexes_reports_the_table_units(ddb, table):
    """AWS: INDEXES reports the units consumed on the table itself under Table: a strongly
    consistent Scan of 10 KB -> 3 units, for the total and for the table."""
    capacity = ddb.scan(TableName=table, ConsistentRead=True,
                        ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert capacity["CapacityUnits"] == 3.0
    assert capacity["Table"] == {"CapacityUnits": 3.0}


def test_limit_bounds_what_is_read_and_so_what_is_consumed(ddb, table):
    """AWS ("Query" / "Scan", Limit): "DynamoDB reads up to [Limit] items" and stops; only what
    is read is charged: 5 items of 1 KB = 5 KB -> 8 KB -> 2 units strongly consistent (the whole
    table: 3)."""
    answer = ddb.scan(TableName=table, Limit=5, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert answer["ScannedCount"] == 5 and "LastEvaluatedKey" in answer
    assert _units(answer) == 2.0
