"""The table the DynamoDB tests start from: on demand, keyed by a string `pk`."""
from __future__ import annotations

import contextlib
import uuid

PK = {"AttributeName": "pk", "AttributeType": "S"}


def create_table(ddb, prefix: str, more_attributes: tuple = (), **settings) -> str:
    """Create the table (plus `more_attributes` and `settings` a test needs, e.g. an index or
    a stream) and wait until it exists; returns its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[PK, *more_attributes], **settings)
    ddb.get_waiter("table_exists").wait(TableName=name)
    return name


@contextlib.contextmanager
def table(ddb, prefix: str, more_attributes: tuple = (), **settings):
    """create_table, deleted again when the block ends (a module fixture's whole life)."""
    name = create_table(ddb, prefix, more_attributes, **settings)
    try:
        yield name
    finally:
        ddb.delete_table(TableName=name)
