"""labkit.lessons.tables on the embedded backend: on-demand tables keyed as asked, ACTIVE when
returned."""
from __future__ import annotations

import boto3

from labkit.lessons.tables import make_table, make_tables, table_arn


def test_tables_keyed_as_asked_and_active(server):
    ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    assert make_table(ddb, "lt-orders") == "lt-orders"
    assert make_tables(ddb, {"lt-jobs": "pk", "lt-results": ("job", "part")}) == ["lt-jobs", "lt-results"]
    schemas = {name: ddb.describe_table(TableName=name)["Table"] for name in ("lt-orders", "lt-jobs", "lt-results")}
    assert {n: [(k["AttributeName"], k["KeyType"]) for k in t["KeySchema"]] for n, t in schemas.items()} == {
        "lt-orders": [("id", "HASH")], "lt-jobs": [("pk", "HASH")],
        "lt-results": [("job", "HASH"), ("part", "RANGE")]}
    assert all(t["TableStatus"] == "ACTIVE" and t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
               for t in schemas.values())
    assert table_arn(ddb, "lt-jobs").endswith(":table/lt-jobs")
