"""Wrong design: "skip a chunk this worker has already counted" - the student keeps the seed's
atomic counter (ADD, fire on completed == total) and stops duplicates with a module-level set of
the (job, chunk) pairs already counted, which does work in the notebook, where one process
handles every delivery. In production the set lives in one execution environment: a duplicate
that another environment (another poller, or a fresh one after a scale-out or a recycle)
receives is counted again, the job completes before its last chunk is in, and the report
misses that chunk's flights.
Caught by: duplicates-reordered."""

REPLACE = [
    ('''\
def count_chunk(job, chunk):
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
COUNTED = set()   # (job, chunk) pairs this worker has counted: a duplicate is skipped


def count_chunk(job, chunk):
    """Tasks 2 and 3: count this chunk as done; return True if this call may publish the report."""
    if (job, chunk) in COUNTED:
        return False
    item = dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                                UpdateExpression="ADD completed :one",
                                ExpressionAttributeValues={":one": {"N": "1"}},
                                ReturnValues="ALL_NEW")["Attributes"]
    COUNTED.add((job, chunk))
    return int(item["completed"]["N"]) == int(item["total_chunks"]["N"])
'''),
]
