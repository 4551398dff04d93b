"""A stack update changes an SQS queue's or a DynamoDB table's settings as the template says.

moto applies only VisibilityTimeout and ReceiveMessageWaitTimeSeconds when a stack update
changes a queue (a new RedrivePolicy, MessageRetentionPeriod or DelaySeconds is dropped)
and nothing at all when it changes a table (BillingMode, ProvisionedThroughput,
StreamSpecification, TimeToLiveSpecification); the stack still says UPDATE_COMPLETE.
Properties whose update requires replacement (QueueName, FifoQueue; TableName, KeySchema)
replace the resource.
"""
from __future__ import annotations

import json

NAME = "cloudformation_resource_updates"
AWS_BEHAVIOUR = (
    "Update requires: No interruption - AWS::SQS::Queue RedrivePolicy, VisibilityTimeout, "
    "MessageRetentionPeriod, DelaySeconds, ...; AWS::DynamoDB::Table BillingMode, "
    "ProvisionedThroughput, StreamSpecification, TimeToLiveSpecification. Update requires: "
    "Replacement - QueueName, FifoQueue; TableName, KeySchema (AWS CloudFormation User "
    "Guide: 'AWS::SQS::Queue', 'AWS::DynamoDB::Table'; 'Update behaviors of stack "
    "resources')."
)

QUEUE_ATTRIBUTES = (
    "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "ContentBasedDeduplication",
    "DeduplicationScope", "FifoThroughputLimit")


def apply(ctx) -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import Queue, sqs_backends

    def update_queue(cls, original_resource, new_resource_name, cloudformation_json,
                     account_id, region_name):
        properties = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        if _replaced(original_resource.name, properties.get("QueueName"),
                     bool(original_resource.fifo_queue),
                     str(properties.get("FifoQueue", False)).lower() == "true"):
            backend.delete_queue(original_resource.name)
            return cls.create_from_cloudformation_json(
                properties.get("QueueName", new_resource_name), cloudformation_json,
                account_id, region_name)
        attributes = {name: _text(properties[name]) for name in QUEUE_ATTRIBUTES
                      if name in properties}
        if "RedrivePolicy" not in properties:
            attributes["RedrivePolicy"] = ""  # removed from the template: removed
        return backend.set_queue_attributes(original_resource.name, attributes)

    def update_table(cls, original_resource, new_resource_name, cloudformation_json,
                     account_id, region_name):
        properties = cloudformation_json["Properties"]
        backend = dynamodb_backends[account_id][region_name]
        keys = properties.get("KeySchema")
        if _replaced(original_resource.name, properties.get("TableName"), False, False) or (
                keys and sorted(map(json.dumps, keys)) != sorted(
                    map(json.dumps, original_resource.schema))):
            backend.delete_table(original_resource.name)
            return cls.create_from_cloudformation_json(
                properties.get("TableName", new_resource_name), cloudformation_json,
                account_id, region_name)
        mode = properties.get("BillingMode", "PROVISIONED")
        table = backend.update_table(
            name=original_resource.name, attr_definitions=properties.get("AttributeDefinitions"),
            global_index=None, billing_mode=mode,
            throughput=(properties.get("ProvisionedThroughput") if mode == "PROVISIONED"
                        else {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}),
            stream_spec=_stream_change(original_resource, properties.get("StreamSpecification")),
            deletion_protection_enabled=properties.get("DeletionProtectionEnabled"),
            warm_throughput=None)
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            backend.update_time_to_live(original_resource.name, ttl)
        return table

    Queue.update_from_cloudformation_json = classmethod(update_queue)
    Table.update_from_cloudformation_json = classmethod(update_table)


def _replaced(current_name: str, new_name: str | None, was_fifo: bool, is_fifo: bool) -> bool:
    return (new_name is not None and new_name != current_name) or was_fifo != is_fifo


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value) if isinstance(
        value, (dict, list)) else str(value)


def _stream_change(table, specification: dict | None) -> dict | None:
    """The stream change to make, or None when the stream is already as declared."""
    current = table.stream_specification or {}
    wanted = ({"StreamEnabled": True, "StreamViewType": specification["StreamViewType"]}
              if specification else {"StreamEnabled": False})
    if bool(current.get("StreamEnabled")) == wanted["StreamEnabled"] and (
            not wanted["StreamEnabled"]
            or current.get("StreamViewType") == wanted["StreamViewType"]):
        return None
    if wanted["StreamEnabled"] and current.get("StreamEnabled"):
        raise ValueError("Cannot change StreamViewType of an enabled stream in one update")
    return wanted
