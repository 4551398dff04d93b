"""Planted bug: the seed's atomic counter counts every delivery, so a duplicated chunk
makes the job complete early and the report misses a chunk. Caught by: duplicates-reordered."""

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
    """Seed 004's counter: atomic, but it counts deliveries, not chunks."""
    item = dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                                UpdateExpression="SET completed = completed + :one",
                                ExpressionAttributeValues={":one": {"N": "1"}},
                                ReturnValues="ALL_NEW")["Attributes"]
    return int(item["completed"]["N"]) == int(item["total_chunks"]["N"])
'''),
]
