"""Build the Lambda event for a batch of SQS messages, in the exact shape AWS sends.

AWS Lambda Developer Guide, "Using Lambda with Amazon SQS", example SQS message event:
each record has messageId, receiptHandle, body, attributes {ApproximateReceiveCount,
SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp (+ SequenceNumber,
MessageGroupId, MessageDeduplicationId for FIFO)}, messageAttributes (camelCase keys:
stringValue, stringListValues, binaryListValues, dataType), md5OfBody, eventSource
"aws:sqs", eventSourceARN and awsRegion.
"""
from __future__ import annotations

import base64
from typing import Any


def lambda_record(message: Any, queue_arn: str, region: str) -> dict[str, Any]:
    """One Records[] entry for a received moto message (a copy returned by receive)."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    trace_header = (message.system_attributes or {}).get("AWSTraceHeader")
    if trace_header:
        attributes["AWSTraceHeader"] = trace_header.get("StringValue", trace_header) \
            if isinstance(trace_header, dict) else trace_header
    if queue_arn.endswith(".fifo"):
        attributes["SequenceNumber"] = message.sequence_number
        attributes["MessageGroupId"] = message.group_id
        attributes["MessageDeduplicationId"] = message.deduplication_id
    record = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {name: _lambda_attribute(value)
                              for name, value in (message.message_attributes or {}).items()},
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.message_attributes:
        record["md5OfMessageAttributes"] = message.attribute_md5
    return record


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # SQS API spells these StringValue/DataType; the Lambda event uses camelCase.
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                                 "dataType": value.get("DataType")}
    if value.get("StringValue") is not None:
        converted["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        raw = value["BinaryValue"]
        converted["binaryValue"] = raw if isinstance(raw, str) else base64.b64encode(raw).decode()
    return converted
