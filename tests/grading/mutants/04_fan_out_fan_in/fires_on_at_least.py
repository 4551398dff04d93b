"""Planted bug: the report fires whenever the counter is at or above the total, so a
duplicate delivered after the job completed publishes a second report. Caught by: late-duplicates."""
import csv
import io
import json
import os

import boto3
from labkit.faults import Downstream

JOBS_TABLE = os.environ.get("JOBS_TABLE", "lab04-jobs")
RESULTS_TABLE = os.environ.get("RESULTS_TABLE", "lab04-results")
BUCKET = os.environ.get("BUCKET", "lab04-flights")
reports = Downstream(os.environ.get("REPORTS", "lab04-reports"))
s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")

TOTALS = ["flights", "dep_delay_known", "dep_delay_total", "arr_delay_known", "arr_delay_total",
          "distance_total"]


def aggregate_chunk(text):
    """Task 1: {carrier: {total: int}} for one chunk of CSV text."""
    totals = {}
    for row in csv.DictReader(io.StringIO(text)):
        t = totals.setdefault(row["carrier"], dict.fromkeys(TOTALS, 0))
        t["flights"] += 1
        t["distance_total"] += int(row["distance"])
        for kind in ("dep", "arr"):
            if row[f"{kind}_delay"]:
                t[f"{kind}_delay_known"] += 1
                t[f"{kind}_delay_total"] += int(float(row[f"{kind}_delay"]))
    return totals


def save_partial(job, chunk, totals):
    """Task 1: store the chunk's result in the results table."""
    dynamodb.put_item(TableName=RESULTS_TABLE, Item={
        "job": {"S": job}, "part": {"S": f"chunk-{chunk:05d}"}, "result": {"S": json.dumps(totals)}})


def count_chunk(job, chunk):
    """ADD is atomic, but '>=' fires again for every delivery after the last chunk."""
    item = dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                                UpdateExpression="ADD completed :one",
                                ExpressionAttributeValues={":one": {"N": "1"}},
                                ReturnValues="ALL_NEW")["Attributes"]
    return int(item["completed"]["N"]) >= int(item["total_chunks"]["N"])


def publish_report(job):
    """Tasks 2 and 3: add up the partials and publish the report, exactly once per job."""
    partials, start = [], None
    while True:
        page = dynamodb.query(TableName=RESULTS_TABLE, KeyConditionExpression="job = :j",
                              ExpressionAttributeValues={":j": {"S": job}}, ConsistentRead=True,
                              **({"ExclusiveStartKey": start} if start else {}))
        partials += [json.loads(i["result"]["S"]) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    final = {}
    for partial in partials:
        for carrier, values in partial.items():
            into = final.setdefault(carrier, dict.fromkeys(TOTALS, 0))
            for key in TOTALS:
                into[key] += values[key]
    # Several deliveries may find the job complete (a duplicate of the last chunk, a
    # redelivery after a failed publish). The report service's idempotency key makes them
    # one report; a conditional claim written *before* publishing would instead block the
    # redelivery of a worker whose publish failed, and the report would never go out.
    reports.call(job=job, totals=final)
    dynamodb.update_item(TableName=JOBS_TABLE, Key={"pk": {"S": job}},
                         UpdateExpression="SET report_published = :yes",
                         ExpressionAttributeValues={":yes": {"BOOL": True}})


def handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["body"])
        job, chunk = message["job"], message["chunk"]
        text = s3.get_object(Bucket=BUCKET, Key=message["key"])["Body"].read().decode()
        save_partial(job, chunk, aggregate_chunk(text))
        if count_chunk(job, chunk):
            publish_report(job)
