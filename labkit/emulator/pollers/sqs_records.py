"""A message moto's SQS hands out, as the record the SQS event source gives Lambda.

The shape (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS") is labkit.aws_events';
here only where moto keeps each value.
"""
from __future__ import annotations

from typing import Any

from labkit import aws_events


def lambda_record(message: Any, queue_arn: str, region: str) -> dict[str, Any]:
    """One Records[] entry for a received moto message (a copy returned by receive)."""
    fifo = queue_arn.endswith(".fifo")
    return aws_events.sqs_record(
        message_id=message.id,
        receipt_handle=message.receipt_handle,
        body=message.body,
        attributes=aws_events.sqs_attributes(
            receive_count=message.approximate_receive_count,
            sent_timestamp=message.sent_timestamp,
            sender_id=message.sender_id,
            first_receive_timestamp=message.approximate_first_receive_timestamp,
            trace_header=_trace_header(message),
            message_group_id=message.group_id if fifo else None,
            sequence_number=message.sequence_number if fifo else None,
            deduplication_id=message.deduplication_id if fifo else None),
        queue_arn=queue_arn,
        region=region,
        message_attributes=message.message_attributes,
        md5_of_body=message.body_md5,
        md5_of_message_attributes=message.attribute_md5 if message.message_attributes else None,
    )


def _trace_header(message: Any) -> str | None:
    # moto keeps system attributes as SendMessage spells them ({"StringValue": ...}), or bare
    header = (message.system_attributes or {}).get("AWSTraceHeader")
    if not header:
        return None
    return header.get("StringValue", header) if isinstance(header, dict) else header
