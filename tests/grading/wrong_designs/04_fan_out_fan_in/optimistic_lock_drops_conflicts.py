"""Wrong design: the student saw read-modify-write lose updates and guards the write with a
condition (optimistic locking, DynamoDB's conditional writes): read the counter, then SET
completed = seen + 1 only if completed is still seen. A failed condition they take for what the
lesson's marker makes it mean, "another delivery counted this chunk already", and return. But
here it means another worker counted *its own* chunk in between: this chunk is never counted,
the counter stops one short of the total, and no report is ever published, with no error
anywhere. (A failed condition has to be retried with a fresh read, or the addition left to
DynamoDB: ADD.)
Caught by: concurrent-workers."""

REPLACE = [
    ('''\
    """Tasks 2 and 3: count this chunk as done; return True if this call may publish the report."""
    try:   # the marker and the counter move together, or not at all
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": JOBS_TABLE, "Item": {"pk": {"S": f"{job}#chunk#{chunk}"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": JOBS_TABLE, "Key": {"pk": {"S": job}},
                        "UpdateExpression": "ADD completed :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    except dynamodb.exceptions.TransactionCanceledException as error:
        codes = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if codes[:1] != ["ConditionalCheckFailed"]:
            raise
        # counted before (a duplicate, or a redelivery after a failure): fall through, since
        # the delivery that completed the job may have failed before publishing
    item = dynamodb.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}}, ConsistentRead=True)["Item"]
    if int(item["completed"]["N"]) < int(item["total_chunks"]["N"]):
        return False
    if item.get("report_published", {}).get("BOOL"):
        return False
    return True
''',
     '''\
    """Tasks 2 and 3: count this chunk as done; return True if this call may publish the report."""
    item = dynamodb.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}}, ConsistentRead=True)["Item"]
    seen = int(item["completed"]["N"])
    try:   # optimistic locking: write seen + 1 only if nobody changed the counter meanwhile
        dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                             UpdateExpression="SET completed = :done",
                             ConditionExpression="completed = :seen",
                             ExpressionAttributeValues={":done": {"N": str(seen + 1)},
                                                        ":seen": {"N": str(seen)}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False   # the condition failed: this chunk was counted already (a duplicate)
    return seen + 1 == int(item["total_chunks"]["N"])
'''),
]
