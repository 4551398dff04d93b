"""Planted bug: visibility timeout = function timeout (what Lambda accepts, not the 6x rule).
Caught by: configuration."""
import json
import os

import boto3

ORDERS_TABLE = os.environ.get("ORDERS_TABLE", "lab01-orders")
dynamodb = boto3.client("dynamodb")


class BadOrder(Exception):
    """An order that can never be processed (malformed, unknown customer...)."""


def process(order):
    """Given, do not change: one processing attempt of an order, counted in ORDERS_TABLE."""
    good = not order.get("bad")
    dynamodb.update_item(
        TableName=ORDERS_TABLE, Key={"id": {"S": order["id"]}},
        UpdateExpression="ADD #attempts :one" + (", #processed :one" if good else ""),
        ExpressionAttributeNames={"#attempts": "attempts", **({"#processed": "processed"} if good else {})},
        ExpressionAttributeValues={":one": {"N": "1"}})
    if not good:
        raise BadOrder(f"order {order['id']} cannot be processed")


def handler(event, context):
    failures = []          # local: a global would leak one batch's failures into the next
    for record in event["Records"]:
        try:
            process(json.loads(record["body"]))
        except BadOrder:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def create_pipeline(event, context):
    """Task 2: create the DLQ, the queue and the event source mapping; answer their ids."""
    sqs, lam = boto3.client("sqs"), boto3.client("lambda")
    dlq_url = sqs.create_queue(QueueName=f"{event['name']}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    visibility = event["function_timeout_s"]
    queue_url = sqs.create_queue(QueueName=event["name"], Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": event["max_receive_count"]})})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(
        FunctionName=event["function_name"], EventSourceArn=queue_arn,
        BatchSize=event["batch_size"],
        MaximumBatchingWindowInSeconds=event["batching_window_s"],
        FunctionResponseTypes=["ReportBatchItemFailures"])
    return {"queue_url": queue_url, "dlq_url": dlq_url, "mapping_uuid": mapping["UUID"]}
