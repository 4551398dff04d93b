"""Lambda versions and a weighted alias from a template (patches cloudformation_lambda_aliases,
cloudformation_update_order)."""
from __future__ import annotations

from tests.conformance.test_cloudformation_deploying import (
    FUNCTION, SAM_FUNCTION, changes, create_change_set, deploy, invoke, outputs, physical_ids,
    unique,
)

TEMPLATE = """
Parameters:
  CanaryWeight: {Type: Number, Default: 0.2}
Resources:
FUNCTION
      Code:
        ZipFile: |
          def handler(event, context):
              return {"release": RELEASE}
  Version1:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn}
SECOND
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      Name: live
      FunctionName: !Ref Fn
      FunctionVersion: LIVE_VERSION
ROUTING
Outputs:
  Fn: {Value: !Ref Fn}
  Alias: {Value: !Ref Live}
  Version1Arn: {Value: !Ref Version1}
  Version1Number: {Value: !GetAtt Version1.Version}
"""

SECOND = """  Version2:
    Type: AWS::Lambda::Version
    DependsOn: Version1
    Properties: {FunctionName: !Ref Fn}"""

ROUTING = """      RoutingConfig:
        AdditionalVersionWeights:
          - {FunctionVersion: !GetAtt Version1.Version, FunctionWeight: !Ref CanaryWeight}"""


def first_release() -> str:
    return TEMPLATE.replace("FUNCTION", FUNCTION).replace("RELEASE", "1").replace("SECOND", "") \
        .replace("LIVE_VERSION", "!GetAtt Version1.Version").replace("ROUTING", "")


def canary_release() -> str:
    return TEMPLATE.replace("FUNCTION", FUNCTION).replace("RELEASE", "2") \
        .replace("SECOND", SECOND).replace("LIVE_VERSION", "!GetAtt Version2.Version") \
        .replace("ROUTING", ROUTING)


def test_versions_and_a_weighted_alias_from_a_template(aws):
    """AWS CloudFormation User Guide, 'AWS::Lambda::Version': creates a version from the
    current code and configuration of a function; Ref returns the version ARN, Fn::GetAtt
    Version the version number. 'AWS::Lambda::Alias': Ref returns the alias ARN;
    RoutingConfig AdditionalVersionWeights sends the given share of invocations to a second
    version ('Lambda function aliases', weighted aliases). CloudFormation updates the
    function before the new version that refers to it ('DependsOn attribute': dependency
    order), so Version2 publishes the new code."""
    cf, lam, stack = aws("cloudformation"), aws("lambda"), unique("canary")
    created = outputs(deploy(cf, stack, first_release()))
    fn = created["Fn"]
    assert created["Version1Number"] == "1"
    assert created["Version1Arn"] == lam.get_function(FunctionName=fn)["Configuration"][
        "FunctionArn"].split(":$LATEST")[0] + ":1"
    assert created["Alias"] == lam.get_alias(FunctionName=fn, Name="live")["AliasArn"]
    assert invoke(lam, fn, "live") == {"release": 1}

    planned = changes(create_change_set(cf, stack, canary_release()))
    assert {n: c["Action"] for n, c in planned.items()} == {
        "Fn": "Modify", "Version2": "Add", "Live": "Modify"}
    assert planned["Live"]["Replacement"] == "False"
    assert deploy(cf, stack, canary_release())["StackStatus"] == "UPDATE_COMPLETE"
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.2}}
    assert invoke(lam, fn, "1") == {"release": 1}
    assert invoke(lam, fn, "2") == {"release": 2}
    assert invoke(lam, fn, "live") in ({"release": 1}, {"release": 2})
    cf.delete_stack(StackName=stack)
    assert fn not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}


SAM_ALIAS = SAM_FUNCTION + """      AutoPublishAlias: live
      InlineCode: |
        def handler(event, context):
            return {"release": RELEASE}
"""


def test_sam_auto_publish_alias_follows_new_code(aws):
    """AWS SAM Developer Guide, AWS::Serverless::Function AutoPublishAlias: AWS SAM
    generates AWS::Lambda::Version and AWS::Lambda::Alias resources, publishes a new
    version when the function's code changes, and points the alias at it."""
    cf, lam, stack = aws("cloudformation"), aws("lambda"), unique("sam-alias")
    deploy(cf, stack, SAM_ALIAS.replace("RELEASE", "1"))
    fn = physical_ids(cf, stack)["Fn"]
    assert invoke(lam, fn, "live") == {"release": 1}
    assert deploy(cf, stack, SAM_ALIAS.replace("RELEASE", "2"))["StackStatus"] == \
        "UPDATE_COMPLETE"
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"
    assert invoke(lam, fn, "live") == {"release": 2}
    cf.delete_stack(StackName=stack)
