"""Wrong design: the order is recorded (conditionally) once it is paid, and a send that finds
the record is answered 409. Sequential sends of a fast order look right; but the client resends
while the first send still waits on a hanging provider, finds no record yet, and charges the
order a second time. Caught by: retry-charges-once."""

REPLACE = [
    ("""\
    if not claim("checkout#" + key):
        return answer(409, {"order_id": order["order_id"], "status": "ALREADY_ACCEPTED"})
    charge(order)
""",
     """\
    if dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "checkout#" + key}},
                         ConsistentRead=True).get("Item"):
        return answer(409, {"order_id": order["order_id"], "status": "ALREADY_ACCEPTED"})
    charge(order)
    claim("checkout#" + key)
"""),
]
