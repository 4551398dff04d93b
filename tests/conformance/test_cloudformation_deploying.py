"""Deploying templates through change sets: the helpers the CloudFormation tests share, and
the change-set behaviours they rely on."""
from __future__ import annotations

import json
import uuid

from labkit.lessons.polling import wait_until

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
SETTLED = ("_COMPLETE", "_FAILED")

ROLE = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
"""

# A function `Fn` running as ROLE, up to its own properties (timeout, code, ...): the part every
# template with a plain Lambda function repeats; each template goes on with what it tests.
FUNCTION = ROLE + """
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn"""

# The same for an AWS SAM function (the transform makes its role)...
SAM_FUNCTION = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
"""
# ...and the smallest SAM template that deploys: that function, returning None.
SAM_NO_OP = SAM_FUNCTION + """      InlineCode: "def handler(event, context):\\n    return None\\n"
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_change_set(cf, stack: str, template: str, params: dict | None = None,
                      kind: str | None = None) -> dict:
    """CreateChangeSet, waited for; returns DescribeChangeSet's answer."""
    kind = kind or ("UPDATE" if stack_exists(cf, stack) else "CREATE")
    created = cf.create_change_set(
        StackName=stack, ChangeSetName=unique("cs"), TemplateBody=template, ChangeSetType=kind,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)}
                    for k, v in (params or {}).items()])
    return wait_until(
        lambda: _settled_change_set(cf.describe_change_set(ChangeSetName=created["Id"])),
        timeout=60, interval=0.5, what=f"change set of {stack}")


def deploy(cf, stack: str, template: str, params: dict | None = None, **execute) -> dict:
    """Create and execute a change set; return the stack once it has settled."""
    change_set = create_change_set(cf, stack, template, params)
    assert change_set["Status"] == "CREATE_COMPLETE", change_set.get("StatusReason")
    cf.execute_change_set(ChangeSetName=change_set["ChangeSetId"], **execute)
    return settled(cf, stack)


def settled(cf, stack: str) -> dict:
    return wait_until(lambda: _settled_stack(cf.describe_stacks(StackName=stack)["Stacks"][0]),
                      timeout=120, interval=0.5, what=f"stack {stack} to settle")


def stack_exists(cf, stack: str) -> bool:
    try:
        status = cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except cf.exceptions.ClientError:
        return False
    return status != "REVIEW_IN_PROGRESS"


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def physical_ids(cf, stack: str) -> dict[str, str]:
    return {r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}


def changes(change_set: dict) -> dict[str, dict]:
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]
            for c in change_set["Changes"]}


def invoke(lam, function: str, qualifier: str | None = None) -> dict:
    extra = {"Qualifier": qualifier} if qualifier else {}
    answer = lam.invoke(FunctionName=function, Payload=b"{}", **extra)
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read())


def _settled_change_set(change_set: dict) -> dict | None:
    return change_set if change_set["Status"] in ("CREATE_COMPLETE", "FAILED") else None


def _settled_stack(stack: dict) -> dict | None:
    return stack if stack["StackStatus"].endswith(SETTLED) else None


QUEUE_ONLY = """
Parameters:
  Visibility: {Type: Number, Default: 30}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Visibility}
Outputs:
  QueueUrl: {Value: !Ref Queue}
"""


def test_a_change_set_with_no_changes_fails_and_cannot_be_executed(aws):
    """AWS CloudFormation User Guide, 'Update CloudFormation stacks using change sets': if
    you submit a template and parameters identical to the stack's, the change set is FAILED
    with StatusReason "The submitted information didn't contain changes. Submit different
    information to create a change set." and its ExecutionStatus is UNAVAILABLE."""
    cf, stack = aws("cloudformation"), unique("nochange")
    assert deploy(cf, stack, QUEUE_ONLY)["StackStatus"] == "CREATE_COMPLETE"
    same = create_change_set(cf, stack, QUEUE_ONLY)
    assert same["Status"] == "FAILED"
    assert same["ExecutionStatus"] == "UNAVAILABLE"
    assert "didn't contain changes" in same["StatusReason"]
    cf.delete_stack(StackName=stack)


def test_change_set_stack_has_parameters_and_outputs(aws):
    """AWS CloudFormation User Guide, 'CloudFormation template Outputs syntax': Outputs are
    returned in response to describe stack calls; 'Parameters syntax': a parameter without a
    value takes its Default. Both hold for a stack created with a change set (CreateChangeSet
    ChangeSetType CREATE, then ExecuteChangeSet)."""
    cf, sqs, stack = aws("cloudformation"), aws("sqs"), unique("outputs")
    created = deploy(cf, stack, QUEUE_ONLY)
    assert created["StackStatus"] == "CREATE_COMPLETE"
    assert created["Parameters"] == [{"ParameterKey": "Visibility", "ParameterValue": "30"}]
    url = outputs(created)["QueueUrl"]
    assert url == physical_ids(cf, stack)["Queue"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])[
        "Attributes"]["VisibilityTimeout"] == "30"
    cf.delete_stack(StackName=stack)


def test_a_template_url_on_this_endpoint_is_read_from_s3(aws):
    """AWS CloudFormation API Reference, CreateChangeSet TemplateURL: the URL of a file
    containing the template body, located in an Amazon S3 bucket - as `sam deploy` passes it
    after uploading the template, a path-style URL on the S3 endpoint it uses (patch
    cloudformation_template_url)."""
    cf, s3, stack = aws("cloudformation"), aws("s3"), unique("by-url")
    bucket = unique("templates")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="stacks/queue.template", Body=QUEUE_ONLY.encode())
    url = f"{s3.meta.endpoint_url}/{bucket}/stacks/queue.template"
    created = cf.create_change_set(StackName=stack, ChangeSetName=unique("cs"),
                                   TemplateURL=url, ChangeSetType="CREATE")
    cf.execute_change_set(ChangeSetName=created["Id"])
    assert settled(cf, stack)["StackStatus"] == "CREATE_COMPLETE"
    assert "Queue" in physical_ids(cf, stack)
    cf.delete_stack(StackName=stack)
