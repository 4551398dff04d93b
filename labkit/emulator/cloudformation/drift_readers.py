"""The live configuration of a stack's resource, in its CloudFormation property names.

Drift detection compares these with the template ("Detect unmanaged configuration changes to
stacks and resources with drift detection", AWS CloudFormation User Guide). A reader answers
None when the resource no longer exists (drift status DELETED); a resource type without a
reader is NOT_CHECKED.
"""
from __future__ import annotations

import json
from typing import Any, Callable


def read_lambda_function(physical_id: str, account: str, region: str) -> dict | None:
    from moto.awslambda.utils import get_backend  # the no-Docker "simple" one on our server

    try:
        fn = get_backend(account, region).get_function(physical_id)
    except Exception:
        return None
    config = fn.get_configuration()
    live = {name: config.get(name) for name in
            ("Description", "Handler", "MemorySize", "Role", "Runtime", "Timeout")}
    live["Environment"] = {"Variables": dict(fn.environment_vars or {})}
    live["Architectures"] = list(config.get("Architectures") or ["x86_64"])
    live["TracingConfig"] = config.get("TracingConfig")
    live["ReservedConcurrentExecutions"] = getattr(fn, "reserved_concurrency", None)
    return live


def read_sqs_queue(physical_id: str, account: str, region: str) -> dict | None:
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(physical_id.rstrip("/").split("/")[-1])
    if queue is None:
        return None
    attributes = queue.attributes
    live = {name: attributes.get(name) for name in
            ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
             "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "KmsMasterKeyId",
             "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled")}
    live["QueueName"] = queue.name
    for name in ("RedrivePolicy", "RedriveAllowPolicy"):
        raw = attributes.get(name)
        live[name] = json.loads(raw) if isinstance(raw, str) and raw else raw
    if queue.fifo_queue:
        live["FifoQueue"] = True
        live["ContentBasedDeduplication"] = attributes.get("ContentBasedDeduplication")
    return live


def read_dynamodb_table(physical_id: str, account: str, region: str) -> dict | None:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[account][region].tables.get(physical_id)
    if table is None:
        return None
    described = table.describe(base_key="Table")["Table"]
    live = {"TableName": table.name,
            "KeySchema": described.get("KeySchema"),
            "AttributeDefinitions": described.get("AttributeDefinitions"),
            "BillingMode": (described.get("BillingModeSummary") or {}).get("BillingMode",
                                                                           "PROVISIONED")}
    throughput = described.get("ProvisionedThroughput") or {}
    if live["BillingMode"] == "PROVISIONED":
        live["ProvisionedThroughput"] = {
            "ReadCapacityUnits": throughput.get("ReadCapacityUnits"),
            "WriteCapacityUnits": throughput.get("WriteCapacityUnits")}
    stream = described.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        live["StreamSpecification"] = {"StreamViewType": stream.get("StreamViewType")}
    ttl = getattr(table, "ttl", None) or {}
    if ttl.get("TimeToLiveStatus") == "ENABLED":
        live["TimeToLiveSpecification"] = {"AttributeName": ttl.get("AttributeName"),
                                           "Enabled": True}
    return live


READERS: dict[str, Callable[[str, str, str], dict[str, Any] | None]] = {
    "AWS::Lambda::Function": read_lambda_function,
    "AWS::SQS::Queue": read_sqs_queue,
    "AWS::DynamoDB::Table": read_dynamodb_table,
}
