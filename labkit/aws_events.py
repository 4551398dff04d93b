"""The events Lambda receives from Amazon SQS and Amazon SNS, in the exact shape AWS sends.

AWS Lambda Developer Guide, "Using Lambda with Amazon SQS" (example standard queue and FIFO
queue message events) and "Using Lambda with Amazon SNS" (example SNS message event):

  SQS  {"Records": [{messageId, receiptHandle, body, attributes {ApproximateReceiveCount,
       SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, + SequenceNumber,
       MessageGroupId, MessageDeduplicationId on a FIFO queue}, messageAttributes (camelCase:
       stringValue, binaryValue, stringListValues, binaryListValues, dataType), md5OfBody,
       eventSource "aws:sqs", eventSourceARN, awsRegion}, ...]}: up to a batch of records;
  SNS  {"Records": [{EventVersion "1.0", EventSubscriptionArn, EventSource "aws:sns",
       Sns {SignatureVersion, Timestamp, Signature, SigningCertUrl, MessageId, Message,
       MessageAttributes {name: {Type, Value}}, Type "Notification", UnsubscribeUrl, TopicArn,
       Subject}}]}: one record per invocation.

Built from plain values, so that the embedded backend (from a moto message) and the checks
(staging a delivery by hand) send the same shape. Keys keep the order of AWS's examples; the
values are always strings where AWS sends strings.
"""
from __future__ import annotations

import base64
from typing import Any, Iterable


def sqs_event(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The event of one SQS batch: its records (see sqs_record)."""
    return {"Records": list(records)}


def sqs_record(*, message_id: str, receipt_handle: str, body: str, attributes: dict[str, Any],
               queue_arn: str, region: str, message_attributes: dict[str, Any] | None = None,
               md5_of_body: str = "", md5_of_message_attributes: str | None = None,
               ) -> dict[str, Any]:
    """One SQS message as a Lambda record. ``attributes``: see sqs_attributes (or the
    Attributes of a ReceiveMessage answer, whose names are the same); ``message_attributes``
    as the SQS API spells them (StringValue, DataType): they are converted to camelCase."""
    record = {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": sqs_message_attributes(message_attributes or {}),
        "md5OfBody": md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if md5_of_message_attributes is not None:
        record["md5OfMessageAttributes"] = md5_of_message_attributes
    return record


def sqs_attributes(*, receive_count: int | str, sent_timestamp: int | str, sender_id: str,
                   first_receive_timestamp: int | str, trace_header: str | None = None,
                   message_group_id: str | None = None, sequence_number: str | None = None,
                   deduplication_id: str | None = None) -> dict[str, Any]:
    """A record's system attributes (timestamps in epoch milliseconds). A message of a FIFO
    queue always has a group id: with one, SequenceNumber, MessageGroupId and
    MessageDeduplicationId are added."""
    attributes: dict[str, Any] = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent_timestamp),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(first_receive_timestamp),
    }
    if trace_header is not None:  # X-Ray: the trace the message was sent in
        attributes["AWSTraceHeader"] = trace_header
    if message_group_id is not None:
        attributes["SequenceNumber"] = sequence_number
        attributes["MessageGroupId"] = message_group_id
        attributes["MessageDeduplicationId"] = deduplication_id
    return attributes


def sqs_message_attributes(api_attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """SQS API message attributes ({"DataType", "StringValue" or "BinaryValue"}) as a Lambda
    record carries them: camelCase, empty list values, binary values base64-encoded."""
    return {name: _lambda_attribute(value) for name, value in api_attributes.items()}


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                                 "dataType": value.get("DataType")}
    if value.get("StringValue") is not None:
        converted["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        raw = value["BinaryValue"]  # bytes from boto3 and moto; already base64 text elsewhere
        converted["binaryValue"] = raw if isinstance(raw, str) else base64.b64encode(raw).decode()
    return converted


def sns_event(record: dict[str, Any]) -> dict[str, Any]:
    """The event of one SNS delivery: SNS invokes a function with one record at a time."""
    return {"Records": [record]}


def sns_record(*, subscription_arn: str, topic_arn: str, message_id: str, message: str,
               timestamp: str, subject: str | None = None,
               message_attributes: dict[str, dict[str, Any]] | None = None,
               signature_version: str = "1", signature: str = "", signing_cert_url: str = "",
               unsubscribe_url: str = "") -> dict[str, Any]:
    """One SNS notification as a Lambda record. ``message_attributes`` as SNS publishes them
    to subscribers: {name: {"Type": ..., "Value": ...}}; ``timestamp`` ISO 8601 in UTC."""
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": signature_version,
            "Timestamp": timestamp,
            "Signature": signature,
            "SigningCertUrl": signing_cert_url,
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {name: {"Type": value["Type"], "Value": value["Value"]}
                                  for name, value in (message_attributes or {}).items()},
            "Type": "Notification",
            "UnsubscribeUrl": unsubscribe_url,
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }
