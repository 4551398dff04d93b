"""DynamoDB tables for the lessons: on-demand, keyed by string attributes, returned once ACTIVE
(a table is CREATING for a few seconds on AWS and refuses reads and writes meanwhile)."""
from __future__ import annotations


def make_table(ddb, name: str, key: str = "id", sort_key: str | None = None) -> str:
    """One table; -> its name."""
    make_tables(ddb, {name: (key, sort_key)})
    return name


def make_tables(ddb, tables: dict[str, str | tuple[str, str | None]]) -> list[str]:
    """Several tables, {name: key or (key, sort key)}, created at once and returned when all are
    ACTIVE; -> their names."""
    for name, keys in tables.items():
        key, sort_key = (keys, None) if isinstance(keys, str) else keys
        schema = [(key, "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"}
                                               for k, _ in schema],
                         KeySchema=[{"AttributeName": k, "KeyType": kind} for k, kind in schema])
    for name in tables:
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return list(tables)


def table_arn(ddb, name: str) -> str:
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]
