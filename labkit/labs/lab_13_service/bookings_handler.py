"""The Lambda handler: wiring only. The adapters are built once per execution environment,
in init, from the function's configuration."""
import os

import boto3

from bookings_adapters import DynamoBookingStore, SqsNotifier, process_batch

STORE = DynamoBookingStore(boto3.resource("dynamodb").Table(os.environ["BOOKINGS_TABLE"]))
NOTIFIER = SqsNotifier(boto3.client("sqs"), os.environ["NOTIFY_QUEUE_URL"])


def handler(event, context):
    return process_batch(event, STORE, NOTIFIER)
