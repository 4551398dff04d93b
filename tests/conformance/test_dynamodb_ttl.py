"""DynamoDB TTL deletes expired items and streams the deletion (patch dynamodb_ttl).

AWS deletes expired items "typically within a few days"; the embedded backend sweeps every
few seconds. Against AWS itself these tests would need that long: they are meant for the
emulators, which is why the deadline below is an emulator's.
"""
from __future__ import annotations

import time
import uuid

import pytest

from labkit.lessons.polling import wait_until
from tests.conformance import dynamodb_tables

DEADLINE = 60.0


@pytest.fixture(scope="module")
def table(ddb):
    stream = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    with dynamodb_tables.table(ddb, "ttl", StreamSpecification=stream) as name:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expiresAt"})
        yield name


def _exists(ddb, table, pk):
    return "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)


def test_expired_items_are_deleted_and_others_kept(ddb, table):
    """AWS (Developer Guide, "Using time to live (TTL) in DynamoDB"): "Shortly after the date
    and time of the specified timestamp, DynamoDB deletes the item from your table"; the TTL
    attribute must be a Number holding epoch seconds, other types are ignored."""
    now = int(time.time())
    rows = {
        "expired": {"N": str(now - 60)},
        "future": {"N": str(now + 3600)},
        "string-ttl": {"S": str(now - 60)},   # not a Number: never expires
    }
    run = uuid.uuid4().hex[:6]
    for pk, expires in rows.items():
        ddb.put_item(TableName=table, Item={"pk": {"S": f"{run}-{pk}"}, "expiresAt": expires})
    ddb.put_item(TableName=table, Item={"pk": {"S": f"{run}-no-ttl"}})

    wait_until(lambda: not _exists(ddb, table, f"{run}-expired"), DEADLINE,
               what="the expired item to be deleted")
    for kept in ("future", "string-ttl", "no-ttl"):
        assert _exists(ddb, table, f"{run}-{kept}"), kept


def test_ttl_deletion_appears_in_the_stream_as_a_service_removal(ddb, table, aws):
    """AWS (Developer Guide, "DynamoDB Streams and Time to Live"): items deleted by TTL appear
    in the stream as REMOVE records with "userIdentity": {"type": "Service",
    "principalId": "dynamodb.amazonaws.com"}; GetRecords returns that Identity as
    {"PrincipalId": ..., "Type": ...} (DynamoDB Streams API Reference, Identity)."""
    streams = aws("dynamodbstreams")
    pk = f"{uuid.uuid4().hex[:6]}-session"
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "expiresAt": {"N": str(int(time.time()) - 5)}})
    stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def removal():
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        return [r for r in records if r["eventName"] == "REMOVE"
                and r["dynamodb"]["Keys"]["pk"]["S"] == pk]

    record = wait_until(removal, DEADLINE, what="a REMOVE record for the expired item")[0]
    assert record["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert record["dynamodb"]["OldImage"]["pk"] == {"S": pk}
