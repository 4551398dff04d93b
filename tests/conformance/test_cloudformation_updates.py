"""Stack updates through change sets, and what happens when one fails (patches
cloudformation_change_set_diff, cloudformation_lambda_inline_code,
cloudformation_parameter_constraints, cloudformation_rollback)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conformance.test_cloudformation_deploying import (
    FUNCTION, changes, create_change_set, deploy, invoke, outputs, physical_ids, settled, unique,
)

APP = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: QUEUE_NAME}
FUNCTION
      Timeout: TIMEOUT
      MemorySize: !If [IsProd, 256, 128]
      Code:
        ZipFile: |
          def handler(event, context):
              return {"release": RELEASE}
EXTRA
Outputs:
  Fn: {Value: !Ref Fn}
"""


def app(queue: str, timeout: int = 5, release: int = 1, code: str | None = None,
        extra: str = "") -> str:
    template = APP.replace("FUNCTION", FUNCTION).replace("QUEUE_NAME", queue).replace(
        "TIMEOUT", str(timeout)).replace("RELEASE", str(release)).replace("EXTRA", extra)
    if code:  # a Code block pointing somewhere else
        template = template.replace(template[template.index("      Code:"):
                                             template.index("EXTRA") if "EXTRA" in template
                                             else template.index("Outputs:")], code)
    return template


MISSING_PACKAGE = "      Code: {S3Bucket: no-such-bucket-for-labkit, S3Key: missing.zip}\n"


def test_update_change_set_lists_modifications_and_applies_them(aws):
    """AWS CloudFormation API Reference, ResourceChange: Action Modify, Replacement
    True/False, Scope and Details (each changed property, RequiresRecreation, ChangeSource
    DirectModification); User Guide 'AWS::Lambda::Function' Code.ZipFile: CloudFormation zips
    inline source into the deployment package, and changing it updates the function's code.
    A property whose update requires replacement (QueueName) makes Replacement True."""
    cf, lam, stack = aws("cloudformation"), aws("lambda"), unique("upd")
    queue = unique("orders")
    fn = outputs(deploy(cf, stack, app(queue)))["Fn"]
    assert invoke(lam, fn) == {"release": 1}

    renamed = changes(create_change_set(cf, stack, app(queue + "-v2")))
    assert renamed["Queue"]["Action"] == "Modify" and renamed["Queue"]["Replacement"] == "True"

    change_set = create_change_set(cf, stack, app(queue, timeout=9, release=2))
    planned = changes(change_set)
    assert set(planned) == {"Fn"}  # Topic (no Properties) and Queue did not change
    assert planned["Fn"]["Action"] == "Modify" and planned["Fn"]["Replacement"] == "False"
    assert {(d["Target"]["Name"], d["ChangeSource"]) for d in planned["Fn"]["Details"]} == {
        ("Code", "DirectModification"), ("Timeout", "DirectModification")}
    assert planned["Fn"]["PhysicalResourceId"] == fn
    cf.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    assert settled(cf, stack)["StackStatus"] == "UPDATE_COMPLETE"
    assert lam.get_function_configuration(FunctionName=fn)["Timeout"] == 9
    assert invoke(lam, fn) == {"release": 2}
    cf.delete_stack(StackName=stack)


def test_a_parameter_used_through_a_condition_modifies_the_resource(aws):
    """AWS CloudFormation User Guide, 'Update behaviors of stack resources' / API Reference
    ResourceChangeDetail: a resource changes when a parameter it depends on changes
    (ChangeSource ParameterReference), here through a condition (Fn::If) - and the update
    applies the new value."""
    cf, lam, stack = aws("cloudformation"), aws("lambda"), unique("cond")
    template = app(unique("q"))
    fn = outputs(deploy(cf, stack, template))["Fn"]
    assert lam.get_function_configuration(FunctionName=fn)["MemorySize"] == 128
    planned = changes(create_change_set(cf, stack, template, params={"Stage": "prod"}))
    assert set(planned) == {"Fn"}
    assert [(d["Target"]["Name"], d["ChangeSource"]) for d in planned["Fn"]["Details"]] == [
        ("MemorySize", "ParameterReference")]
    assert deploy(cf, stack, template, params={"Stage": "prod"})["StackStatus"] == \
        "UPDATE_COMPLETE"
    assert lam.get_function_configuration(FunctionName=fn)["MemorySize"] == 256
    cf.delete_stack(StackName=stack)


def test_a_value_outside_allowed_values_is_refused(aws):
    """AWS CloudFormation User Guide, 'CloudFormation template Parameters syntax':
    AllowedValues lists the values allowed for the parameter; any other value is refused
    with a ValidationError ("Parameter 'Stage' must be one of AllowedValues")."""
    cf, stack = aws("cloudformation"), unique("allowed")
    with pytest.raises(ClientError) as refused:
        create_change_set(cf, stack, app(unique("q")), params={"Stage": "staging"},
                          kind="CREATE")
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == \
        "Parameter 'Stage' must be one of AllowedValues"


def test_a_failed_update_rolls_back_to_the_previous_properties(aws):
    """AWS CloudFormation User Guide, 'Stack status codes': UPDATE_ROLLBACK_COMPLETE is the
    successful return of a stack to a previous working state after a failed update;
    'Troubleshooting CloudFormation': the failing resource's event (UPDATE_FAILED) gives the
    reason. The function keeps its previous Timeout and code."""
    cf, lam, stack = aws("cloudformation"), aws("lambda"), unique("rollback")
    queue = unique("q")
    fn = outputs(deploy(cf, stack, app(queue, timeout=9, release=2)))["Fn"]
    broken = app(queue, timeout=20, release=3, code=MISSING_PACKAGE)
    failed = deploy(cf, stack, broken)
    assert failed["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert lam.get_function_configuration(FunctionName=fn)["Timeout"] == 9
    assert invoke(lam, fn) == {"release": 2}
    events = cf.describe_stack_events(StackName=stack)["StackEvents"]
    assert any(e["LogicalResourceId"] == "Fn" and e["ResourceStatus"] == "UPDATE_FAILED"
               and e.get("ResourceStatusReason") for e in events)
    assert {e["ResourceStatus"] for e in events if e["LogicalResourceId"] == stack} >= {
        "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"}
    # the stack is usable again: a good update goes through
    assert deploy(cf, stack, app(queue, timeout=11, release=4))["StackStatus"] == \
        "UPDATE_COMPLETE"
    assert invoke(lam, fn) == {"release": 4}
    cf.delete_stack(StackName=stack)


BROKEN_EXTRA = """
  Broken:
    Type: AWS::Lambda::Function
    DependsOn: Fn
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: no-such-bucket-for-labkit, S3Key: missing.zip}
"""


def test_a_failed_create_rolls_back_and_deletes_what_it_made(aws):
    """AWS CloudFormation User Guide, 'Stack status codes': ROLLBACK_COMPLETE is the
    successful removal of one or more stacks after a failed stack creation; with rollback
    disabled (DisableRollback) the stack stays CREATE_FAILED with the resources it made."""
    cf, lam, sqs = aws("cloudformation"), aws("lambda"), aws("sqs")
    stack, queue = unique("failed-create"), unique("q")
    failed = deploy(cf, stack, app(queue, extra=BROKEN_EXTRA))
    assert failed["StackStatus"] == "ROLLBACK_COMPLETE"
    assert not any(f["FunctionName"].startswith(stack) for f in
                   lam.list_functions()["Functions"])
    assert not [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith("/" + queue)]

    kept, kept_queue = unique("kept"), unique("q")
    assert deploy(cf, kept, app(kept_queue, extra=BROKEN_EXTRA), DisableRollback=True)[
        "StackStatus"] == "CREATE_FAILED"
    assert "Fn" in physical_ids(cf, kept)
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith("/" + kept_queue)]
    cf.delete_stack(StackName=kept)


MAPPED_QUEUE = """
Mappings:
  Settings:
    Queue: {Visibility: VISIBILITY}
    Table: {Reads: 5}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !FindInMap [Settings, Queue, Visibility]}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: !FindInMap [Settings, Table, Reads]}
Outputs:
  QueueUrl: {Value: !Ref Queue}
"""


def test_a_mapping_value_read_through_find_in_map_modifies_the_resource(aws):
    """AWS CloudFormation API Reference, CreateChangeSet: for an existing stack
    "CloudFormation compares the stack's information with the information that you submit in
    the change set and lists the differences"; User Guide, 'Fn::FindInMap': the function
    "returns the value corresponding to keys in a two-level map that's declared in the
    Mappings section". A new mapping value is a new property value: the change set lists a
    Modify of the queue that reads it (not of the topic, whose key kept its value), and
    executing it applies the new value."""
    cf, sqs, stack = aws("cloudformation"), aws("sqs"), unique("mapped")
    url = outputs(deploy(cf, stack, MAPPED_QUEUE.replace("VISIBILITY", "30")))["QueueUrl"]
    change_set = create_change_set(cf, stack, MAPPED_QUEUE.replace("VISIBILITY", "45"))
    assert change_set["Status"] == "CREATE_COMPLETE", change_set.get("StatusReason")
    planned = changes(change_set)
    assert set(planned) == {"Queue"}
    assert planned["Queue"]["Action"] == "Modify" and planned["Queue"]["Replacement"] == "False"
    assert [d["Target"]["Name"] for d in planned["Queue"]["Details"]] == ["VisibilityTimeout"]
    cf.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    assert settled(cf, stack)["StackStatus"] == "UPDATE_COMPLETE"
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])[
        "Attributes"]["VisibilityTimeout"] == "45"
    cf.delete_stack(StackName=stack)
