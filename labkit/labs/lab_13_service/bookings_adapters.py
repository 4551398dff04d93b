"""Adapters: the only code that knows bookings arrive in SQS batches, live in DynamoDB and are
announced on SQS. The AWS clients are passed in; nothing here reads the environment."""
from __future__ import annotations

import json

from bookings_domain import Booking, book

# The bookings table as production deploys it: tests build their tables from this too.
TABLE_DEFINITION = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def process_batch(event: dict, store, notifier) -> dict:
    """Driving adapter: each record of an SQS batch into the domain. A record that fails is
    named in batchItemFailures, so that only it goes back to the queue (with
    ReportBatchItemFailures on the event source mapping: Lambda Developer Guide, "Handling
    errors for an SQS event source in Lambda")."""
    failures = []
    for record in event["Records"]:
        try:
            book(json.loads(record["body"]), store, notifier)
        except Exception as error:
            print(json.dumps({"failed": record["messageId"], "error": repr(error)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


class DynamoBookingStore:
    """BookingStore on a DynamoDB table whose key is `pk` (a string): "BOOKING#<id>"."""

    def __init__(self, table):       # a boto3 Table resource
        self.table = table

    def save(self, booking: Booking) -> None:
        self.table.put_item(Item={"pk": f"BOOKING#{booking.booking_id}", "show": booking.show,
                                  "seats": booking.seats, "price_cents": booking.price_cents})

    def get(self, booking_id: str) -> Booking | None:
        item = self.table.get_item(Key={"pk": f"BOOKING#{booking_id}"}).get("Item")
        if item is None:
            return None
        return Booking(booking_id, item["show"], int(item["seats"]), int(item["price_cents"]))


class SqsNotifier:
    """Notifier on an SQS queue: one message per event, the event as JSON."""

    def __init__(self, sqs, queue_url: str):
        self.sqs, self.queue_url = sqs, queue_url

    def publish(self, event: dict) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(event))
