"""Wrong design: "make the decision atomic (a conditional write)": the student reads the payments
table first (a redelivered order is answered from its record), charges, and then writes the
record with ConditionExpression attribute_not_exists(order_id); a copy whose write is refused
answers with the record the other copy wrote. The condition guards the record, not the charge:
two copies that arrive together both find no record, both charge the card, and the condition
only decides which of the two charges the table remembers. The customer pays twice and the
second charge is in no record, so nobody refunds it.
Caught by: concurrent-duplicates."""

REPLACE = [
    ("""\
            return provider.call(key=order_id, order_id=order_id, amount=amount)
""",
     """\
            return provider.call(order_id=order_id, amount=amount)   # the table guards duplicates
"""),
    ("""\
def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    try:
""",
     """\
def answer(item):
    \"\"\"The answer a record stands for.\"\"\"
    return {"order_id": item["order_id"]["S"], "status": item["status"]["S"],
            **({"charge_id": item["charge_id"]["S"]} if "charge_id" in item else {})}


def handler(event, context):
    order_id, amount = event["order_id"], event["amount"]
    item = dynamodb.get_item(TableName=TABLE, Key={"order_id": {"S": order_id}},
                             ConsistentRead=True).get("Item")
    if item:                          # delivered before: the original answer
        return answer(item)
    try:
"""),
    ("""\
    dynamodb.put_item(TableName=TABLE, Item={
        "order_id": {"S": order_id}, "status": {"S": "charged"},
        "charge_id": {"S": charge["call_id"]}})
""",
     """\
    try:                              # atomic: one record per order, whoever writes first
        dynamodb.put_item(TableName=TABLE, ConditionExpression="attribute_not_exists(order_id)",
                          Item={"order_id": {"S": order_id}, "status": {"S": "charged"},
                                "charge_id": {"S": charge["call_id"]}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return answer(dynamodb.get_item(TableName=TABLE, Key={"order_id": {"S": order_id}},
                                        ConsistentRead=True)["Item"])
"""),
]
