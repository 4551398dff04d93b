"""Wrong design: the student follows lesson 02's payment worker, which charges and then prints one
JSON line per order ("paid", with the charge): the lesson counted the payments from those lines
and the provider's table, so every outcome here is a log line and the payments table is never
written. The caller gets the right answer, but the order service and support read the payments
table: every paid order looks unpaid, and a log line can neither be read back by order id nor
be written conditionally (what task 2 needs).
Caught by: charges-and-records."""

REPLACE = [
    ("""\
import os
""",
     """\
import json
import os
"""),
    ("""\
dynamodb = boto3.client("dynamodb")
""",
     """\
dynamodb = boto3.client("dynamodb")


def log(kind, order_id, **fields):
    \"\"\"The outcome of an order: one JSON log line, as lesson 02's worker writes it.\"\"\"
    print(json.dumps({"kind": kind, "order_id": order_id, "t": time.time(), **fields}), flush=True)

"""),
    ("""\
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
""",
     """\
        log("rejected", order_id, amount=amount)
"""),
    ("""\
    dynamodb.put_item(TableName=TABLE, Item={
        "order_id": {"S": order_id}, "status": {"S": "charged"},
        "charge_id": {"S": charge["call_id"]}})
""",
     """\
    log("paid", order_id, amount=amount, charge_id=charge["call_id"])
"""),
]
