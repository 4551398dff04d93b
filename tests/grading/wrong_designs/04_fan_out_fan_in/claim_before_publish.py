"""Wrong design: "only one worker may publish" - the student guards the report with a
conditional claim written before publishing (SET report_published if it does not exist yet)
and, the claim being the guard, drops the report service's idempotency key. When the worker
that won the claim fails while publishing (the report service is briefly down), SQS delivers
its message again, the redelivery finds the claim taken and returns: no report is ever sent.
Caught by: failed-after-counting."""

REPLACE = [
    ("""\
    if item.get("report_published", {}).get("BOOL"):
        return False
    return True
""",
     """\
    try:   # claim the report: the first worker to get here publishes, nobody else
        dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                             UpdateExpression="SET report_published = :yes",
                             ConditionExpression="attribute_not_exists(report_published)",
                             ExpressionAttributeValues={":yes": {"BOOL": True}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True
"""),
    ("""\
    reports.call(key=f"report:{job}", job=job, totals=final)
    dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                         UpdateExpression="SET report_published = :yes",
                         ExpressionAttributeValues={":yes": {"BOOL": True}})
""",
     """\
    reports.call(job=job, totals=final)   # count_chunk claimed the report: sent once
"""),
]
