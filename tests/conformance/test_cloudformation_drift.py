"""Drift detection, and what a default redeploy does to drift (patch
cloudformation_drift_detection)."""
from __future__ import annotations

from tests.conformance.test_cloudformation_deploying import (
    FUNCTION, deploy, physical_ids, settled, unique,
)

TEMPLATE = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
FUNCTION
      Timeout: TIMEOUT
      MemorySize: 128
      Environment: {Variables: {MODE: !Ref AWS::Region}}
      Code: {ZipFile: "def handler(event, context):\\n    return 1\\n"}
"""


def template(timeout: int = 5) -> str:
    return TEMPLATE.replace("FUNCTION", FUNCTION).replace("TIMEOUT", str(timeout))


def detect(cf, stack: str) -> tuple[dict, dict[str, dict]]:
    detection = cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    status = cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    drifts = cf.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]
    return status, {d["LogicalResourceId"]: d for d in drifts}


def differences(drift: dict) -> set[tuple[str, str]]:
    return {(d["PropertyPath"], d["DifferenceType"]) for d in drift["PropertyDifferences"]}


def test_drift_detection_compares_only_what_the_template_sets(aws):
    """AWS CloudFormation User Guide, 'Detect unmanaged configuration changes to stacks and
    resources with drift detection': CloudFormation compares each resource's current
    configuration with the template and parameters, checking only property values set in
    the template; a resource is IN_SYNC, MODIFIED or NOT_CHECKED (type without drift
    support), differences are NOT_EQUAL / ADD / REMOVE by property path; the stack is
    DRIFTED when a resource has drifted (DetectStackDrift, DescribeStackDriftDetectionStatus,
    DescribeStackResourceDrifts)."""
    cf, lam, sqs, ddb = aws("cloudformation"), aws("lambda"), aws("sqs"), aws("dynamodb")
    stack = unique("drift")
    deploy(cf, stack, template())
    ids = physical_ids(cf, stack)
    assert cf.describe_stacks(StackName=stack)["Stacks"][0]["DriftInformation"] == {
        "StackDriftStatus": "NOT_CHECKED"}
    status, drifts = detect(cf, stack)
    assert (status["DetectionStatus"], status["StackDriftStatus"]) == (
        "DETECTION_COMPLETE", "IN_SYNC")
    assert {n: d["StackResourceDriftStatus"] for n, d in drifts.items()} == {
        "Queue": "IN_SYNC", "Table": "IN_SYNC", "Fn": "IN_SYNC", "Role": "NOT_CHECKED"}

    lam.update_function_configuration(FunctionName=ids["Fn"], Timeout=7, Description="hand",
                                      Environment={"Variables": {"MODE": "us-east-1",
                                                                 "DEBUG": "1"}})
    sqs.set_queue_attributes(QueueUrl=ids["Queue"], Attributes={
        "VisibilityTimeout": "45", "DelaySeconds": "3"})  # DelaySeconds: not in the template
    ddb.update_table(TableName=ids["Table"], BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    status, drifts = detect(cf, stack)
    assert status["StackDriftStatus"] == "DRIFTED"
    assert status["DriftedStackResourceCount"] == 3
    assert differences(drifts["Fn"]) == {("/Timeout", "NOT_EQUAL"),
                                         ("/Environment/Variables/DEBUG", "ADD")}
    assert differences(drifts["Queue"]) == {("/VisibilityTimeout", "NOT_EQUAL")}
    assert differences(drifts["Table"]) == {("/BillingMode", "NOT_EQUAL")}
    timeout = [d for d in drifts["Fn"]["PropertyDifferences"] if d["PropertyPath"] == "/Timeout"]
    assert (timeout[0]["ExpectedValue"], timeout[0]["ActualValue"]) == ("5", "7")
    modified = cf.describe_stack_resource_drifts(
        StackName=stack, StackResourceDriftStatusFilters=["MODIFIED"])["StackResourceDrifts"]
    assert {d["LogicalResourceId"] for d in modified} == {"Fn", "Queue", "Table"}
    assert cf.describe_stacks(StackName=stack)["Stacks"][0]["DriftInformation"][
        "StackDriftStatus"] == "DRIFTED"
    cf.delete_stack(StackName=stack)


def test_a_resource_deleted_outside_the_stack_is_deleted_drift(aws):
    """AWS CloudFormation User Guide, drift detection: DELETED - the resource has been
    deleted; DetectStackResourceDrift checks a single resource. The stack can still be
    deleted (CloudFormation CLI User Guide, 'Resource type handler contracts': a resource
    that no longer exists is taken as deleted) - patch cloudformation_delete_missing."""
    cf, sqs, stack = aws("cloudformation"), aws("sqs"), unique("drift-del")
    deploy(cf, stack, template())
    sqs.delete_queue(QueueUrl=physical_ids(cf, stack)["Queue"])
    drift = cf.detect_stack_resource_drift(StackName=stack, LogicalResourceId="Queue")[
        "StackResourceDrift"]
    assert drift["StackResourceDriftStatus"] == "DELETED"
    stack_id = cf.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    cf.delete_stack(StackName=stack)
    assert cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == \
        "DELETE_COMPLETE"


def test_a_default_redeploy_keeps_drift_unless_the_template_value_changes(aws):
    """AWS CloudFormation User Guide, 'Using drift-aware change sets': a standard change set
    compares the new template with the previous template, not with the live state - a
    manual change to a property whose template value did not change survives the deploy;
    one whose template value changes is overwritten with the new template value."""
    cf, lam, sqs, stack = aws("cloudformation"), aws("lambda"), aws("sqs"), unique("redeploy")
    deploy(cf, stack, template(timeout=5))
    ids = physical_ids(cf, stack)
    lam.update_function_configuration(FunctionName=ids["Fn"], Timeout=7)
    sqs.set_queue_attributes(QueueUrl=ids["Queue"], Attributes={"VisibilityTimeout": "45"})

    assert deploy(cf, stack, template(timeout=8))["StackStatus"] == "UPDATE_COMPLETE"
    assert lam.get_function_configuration(FunctionName=ids["Fn"])["Timeout"] == 8
    assert sqs.get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=[
        "VisibilityTimeout"])["Attributes"]["VisibilityTimeout"] == "45"
    _, drifts = detect(cf, stack)
    assert drifts["Fn"]["StackResourceDriftStatus"] == "IN_SYNC"
    assert drifts["Queue"]["StackResourceDriftStatus"] == "MODIFIED"
    cf.delete_stack(StackName=stack)


def test_a_drift_aware_change_set_reverts_drift(aws):
    """AWS CloudFormation User Guide, 'Using drift-aware change sets': with
    DeploymentMode REVERT_DRIFT the change set compares the template with the actual state
    of the resources: a drifted resource is a Modify (ResourceDriftStatus MODIFIED) even
    when its template did not change, and executing it overwrites the drifted properties
    with the template values (patch cloudformation_revert_drift)."""
    cf, lam, sqs, stack = aws("cloudformation"), aws("lambda"), aws("sqs"), unique("revert")
    deploy(cf, stack, template())
    ids = physical_ids(cf, stack)
    lam.update_function_configuration(FunctionName=ids["Fn"], Timeout=7)
    sqs.set_queue_attributes(QueueUrl=ids["Queue"], Attributes={"VisibilityTimeout": "45"})
    created = cf.create_change_set(
        StackName=stack, ChangeSetName=unique("revert"), TemplateBody=template(),
        ChangeSetType="UPDATE", Capabilities=["CAPABILITY_IAM"], DeploymentMode="REVERT_DRIFT")
    change_set = cf.describe_change_set(ChangeSetName=created["Id"])
    assert change_set["Status"] == "CREATE_COMPLETE"
    assert change_set["DeploymentMode"] == "REVERT_DRIFT"
    planned = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]
               for c in change_set["Changes"]}
    assert set(planned) == {"Fn", "Queue"}
    assert {planned[n]["ResourceDriftStatus"] for n in planned} == {"MODIFIED"}
    cf.execute_change_set(ChangeSetName=created["Id"])
    assert settled(cf, stack)["StackStatus"] == "UPDATE_COMPLETE"
    assert lam.get_function_configuration(FunctionName=ids["Fn"])["Timeout"] == 5
    assert sqs.get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=[
        "VisibilityTimeout"])["Attributes"]["VisibilityTimeout"] == "30"
    status, _ = detect(cf, stack)
    assert status["StackDriftStatus"] == "IN_SYNC"
    cf.delete_stack(StackName=stack)
