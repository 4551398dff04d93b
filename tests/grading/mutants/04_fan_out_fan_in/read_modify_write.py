"""Planted bug: a read-modify-write counter; two workers that read the same value both
write value + 1 and the job never completes. Caught by: concurrent-workers."""

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
''',
     '''\
    """Read the counter, add one in Python, write it back: concurrent workers lose updates."""
'''),
    ("""\
    if int(item["completed"]["N"]) < int(item["total_chunks"]["N"]):
        return False
    if item.get("report_published", {}).get("BOOL"):
        return False
    return True
""",
     """\
    done = int(item["completed"]["N"]) + 1
    dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                         UpdateExpression="SET completed = :done",
                         ExpressionAttributeValues={":done": {"N": str(done)}})
    return done == int(item["total_chunks"]["N"])
"""),
]
