"""Planted bug: the report fires whenever the counter is at or above the total, so a
duplicate delivered after the job completed publishes a second report. Caught by: late-duplicates."""

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
    """ADD is atomic, but '>=' fires again for every delivery after the last chunk."""
    item = dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                                UpdateExpression="ADD completed :one",
                                ExpressionAttributeValues={":one": {"N": "1"}},
                                ReturnValues="ALL_NEW")["Attributes"]
    return int(item["completed"]["N"]) >= int(item["total_chunks"]["N"])
'''),
    ("""\
    reports.call(key=f"report:{job}", job=job, totals=final)
""",
     """\
    reports.call(job=job, totals=final)
"""),
]
