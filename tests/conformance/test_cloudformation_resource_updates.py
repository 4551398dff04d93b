"""A stack update applies a queue's and a table's new settings (patch
cloudformation_resource_updates)."""
from __future__ import annotations

import json

from tests.conformance.test_cloudformation_deploying import (
    changes, create_change_set, deploy, physical_ids, unique,
)

TEMPLATE = """
Resources:
  DeadLetters:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: QUEUE_NAME
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: RECEIVES}
QUEUE_EXTRA
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
TABLE_EXTRA
"""

PROVISIONED = """      BillingMode: PROVISIONED
      ProvisionedThroughput: {ReadCapacityUnits: 2, WriteCapacityUnits: 3}
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}"""


def template(queue: str, receives: int = 3, queue_extra: str = "",
             table_extra: str = "      BillingMode: PAY_PER_REQUEST") -> str:
    return TEMPLATE.replace("QUEUE_NAME", queue).replace("RECEIVES", str(receives)).replace(
        "QUEUE_EXTRA", queue_extra).replace("TABLE_EXTRA", table_extra)


def test_an_update_applies_the_queue_and_table_settings(aws):
    """AWS CloudFormation User Guide, 'AWS::SQS::Queue': RedrivePolicy, MessageRetentionPeriod
    and DelaySeconds update with no interruption; 'AWS::DynamoDB::Table': BillingMode,
    ProvisionedThroughput and StreamSpecification update with no interruption. After
    UPDATE_COMPLETE the live resources have the template's new values."""
    cf, sqs, ddb, stack = aws("cloudformation"), aws("sqs"), aws("dynamodb"), unique("settings")
    queue = unique("orders")
    deploy(cf, stack, template(queue))
    ids = physical_ids(cf, stack)
    updated = template(queue, receives=5, table_extra=PROVISIONED, queue_extra=(
        "      MessageRetentionPeriod: 600\n      DelaySeconds: 2"))
    assert deploy(cf, stack, updated)["StackStatus"] == "UPDATE_COMPLETE"
    attributes = sqs.get_queue_attributes(QueueUrl=ids["Orders"], AttributeNames=["All"])[
        "Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5
    assert (attributes["MessageRetentionPeriod"], attributes["DelaySeconds"]) == ("600", "2")
    table = ddb.describe_table(TableName=ids["Table"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert (table["ProvisionedThroughput"]["ReadCapacityUnits"],
            table["ProvisionedThroughput"]["WriteCapacityUnits"]) == (2, 3)
    assert table["StreamSpecification"] == {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}
    cf.delete_stack(StackName=stack)


def test_renaming_a_queue_replaces_it(aws):
    """AWS CloudFormation User Guide, 'AWS::SQS::Queue' QueueName: update requires
    Replacement - CloudFormation creates the new queue and deletes the old one."""
    cf, sqs, stack = aws("cloudformation"), aws("sqs"), unique("rename")
    old_name, new_name = unique("orders"), unique("orders")
    deploy(cf, stack, template(old_name))
    old_url = physical_ids(cf, stack)["Orders"]
    planned = changes(create_change_set(cf, stack, template(new_name)))
    assert planned["Orders"]["Replacement"] == "True"
    assert deploy(cf, stack, template(new_name))["StackStatus"] == "UPDATE_COMPLETE"
    new_url = physical_ids(cf, stack)["Orders"]
    assert new_url.endswith("/" + new_name)
    names = {url.rsplit("/", 1)[-1] for url in sqs.list_queues().get("QueueUrls", [])}
    assert new_name in names and old_url.rsplit("/", 1)[-1] not in names
    cf.delete_stack(StackName=stack)
