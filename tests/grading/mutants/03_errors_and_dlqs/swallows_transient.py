"""Planted bug: a transient error is logged and swallowed: the handler reports success, SQS
deletes the message and the order is neither processed nor parked.
Caught by: nothing-lost."""
import json
import os
import uuid

import boto3

sqs = boto3.client("sqs")
dynamodb = boto3.client("dynamodb")
DLQ_URL = os.environ.get("DLQ_URL", "")
PAYMENTS_TABLE = os.environ.get("PAYMENTS_TABLE", "lab03-payments")


# ---- given: the business logic (do not change) -------------------------------------------
class PaymentTimeout(Exception):
    """The payment API did not answer in time: the same order may well succeed later."""


def parse_amount(text):
    if os.environ.get("BUG_FIXED") == "1":
        text = text.replace(",", ".")   # the fix: the EU shop writes "12,50"
    return float(text)                  # ValueError for "12,50" until the fix is deployed


def call_payment_api(order, attempt):
    if attempt <= order.get("flaky", 0):
        raise PaymentTimeout(f"payment API timed out (attempt {attempt})")


def process(order, attempt):
    amount = parse_amount(order["amount"])   # KeyError when there is no amount
    call_payment_api(order, attempt)
    dynamodb.put_item(TableName=PAYMENTS_TABLE, Item={
        "id": {"S": uuid.uuid4().hex}, "order_id": {"S": order["id"]},
        "amount": {"N": str(amount)}, "attempt": {"N": str(attempt)}})


# ---- task 1: classify errors ---------------------------------------------------------------
PERMANENT = (ValueError, KeyError)   # bad data (json.JSONDecodeError is a ValueError)


def park(record, error, attempt):
    """Send the message to the DLQ with the context a human needs to act on it."""
    sqs.send_message(QueueUrl=DLQ_URL, MessageBody=record["body"], MessageAttributes={
        "error_type": {"DataType": "String", "StringValue": type(error).__name__},
        "error_message": {"DataType": "String", "StringValue": str(error) or repr(error)},
        "attempt": {"DataType": "Number", "StringValue": str(attempt)},
        "source_message_id": {"DataType": "String", "StringValue": record["messageId"]}})


def handler(event, context):
    failures = []
    for record in event["Records"]:
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        print(json.dumps({"kind": "attempt", "body": record["body"][:60], "attempt": attempt}))
        try:
            process(json.loads(record["body"]), attempt)
        except PERMANENT as error:
            park(record, error, attempt)     # handled: SQS deletes the original
        except Exception as error:
            print("will not retry:", error)   # BUG: the message is deleted, the order lost
    return {"batchItemFailures": failures}


# ---- task 2: the redrive policy ------------------------------------------------------------
def configure_queue(event, context):
    """event: queue_url, dlq_arn, retries (after the first attempt), visibility_timeout_s."""
    sqs.set_queue_attributes(QueueUrl=event["queue_url"], Attributes={
        "VisibilityTimeout": str(event["visibility_timeout_s"]),
        # maxReceiveCount counts receives, and the first attempt is one
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": event["dlq_arn"],
                                     "maxReceiveCount": event["retries"] + 1})})


# ---- task 3: the DLQ alarm -----------------------------------------------------------------
def create_alarm(event, context):
    """event: alarm_name, dlq_name, topic_arn, period_s."""
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=event["alarm_name"], AlarmDescription="Orders are being dead-lettered",
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": event["dlq_name"]}],
        Statistic="Maximum", Period=event["period_s"], EvaluationPeriods=1,
        Threshold=0, ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching", AlarmActions=[event["topic_arn"]])


# ---- task 4: fix, then redrive -------------------------------------------------------------
def redrive(event, context):
    """event: function_name, dlq_arn, source_arn."""
    lam = boto3.client("lambda")
    name = event["function_name"]
    current = lam.get_function_configuration(FunctionName=name)
    variables = {**current.get("Environment", {}).get("Variables", {}), "BUG_FIXED": "1"}
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)   # the fix is live
    return sqs.start_message_move_task(SourceArn=event["dlq_arn"],
                                       DestinationArn=event["source_arn"])["TaskHandle"]
