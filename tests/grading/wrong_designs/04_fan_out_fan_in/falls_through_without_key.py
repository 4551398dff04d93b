"""Wrong design: the student read that a redelivery after a failed publish must still publish,
so a chunk counted before falls through to "is the job complete?" - and stops there: no record
that the report went out, no idempotency key on the report call. Every delivery that finds the
job complete publishes. A chunk the producer sends again after the nightly report went out
publishes the report a second time, and downstream the day is booked twice.
Caught by: late-duplicates."""

REPLACE = [
    ("""\
    if int(item["completed"]["N"]) < int(item["total_chunks"]["N"]):
        return False
    if item.get("report_published", {}).get("BOOL"):
        return False
    return True
""",
     """\
    return int(item["completed"]["N"]) == int(item["total_chunks"]["N"])
"""),
    ("""\
    reports.call(key=f"report:{job}", job=job, totals=final)
    dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                         UpdateExpression="SET report_published = :yes",
                         ExpressionAttributeValues={":yes": {"BOOL": True}})
""",
     """\
    reports.call(job=job, totals=final)
"""),
]
