"""Wrong design: the refund reads the payment and acts on what it read ("if it is CHARGED, set it
REFUNDED"), with no condition on the write. A retry after a lost answer finds REFUNDED and stops,
and a refund for a charge that has not landed leaves VOID; every sequential retry is safe. But
a refund that stalls between its read and its write past its TimeoutSeconds is retried while it
still runs: the retry reads CHARGED and refunds, then the first call wakes and refunds again
(check-then-act: the state it read is stale when it writes). A condition on the write itself
(`ConditionExpression="#s = :c"`) is what makes the two calls exclusive.
Caught by: effect-at-most-once."""

REPLACE = [
    ("""\
    try:   # CHARGED -> REFUNDED once, however often we are called
        table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
                          ConditionExpression="#s = :c", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":c": "CHARGED", ":one": 1})
        return {"status": "REFUNDED"}
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    held = put_once(table, saga_id, {"status": "VOID", "refunds": 0})   # nothing charged (yet)
    if held["status"] == "CHARGED":
        raise ServiceUnavailable("the charge landed during the refund: refund it on retry")
    return {"status": held["status"]}
""", """\
    # read, then act on what was read: a refund retried after its answer was lost finds
    # REFUNDED and stops, and nothing is paid for a charge that never landed
    item = table.get_item(Key={"saga_id": saga_id}, ConsistentRead=True).get("Item")
    if item is None:
        return {"status": put_once(table, saga_id, {"status": "VOID", "refunds": 0})["status"]}
    if item["status"] == "CHARGED":
        table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
        return {"status": "REFUNDED"}
    return {"status": item["status"]}
"""),
]
