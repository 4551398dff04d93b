"""A template with IAM resources or transforms needs its capabilities acknowledged (patch
cloudformation_capabilities)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conformance.test_cloudformation_deploying import ROLE, SAM_NO_OP, settled, unique


def refusal(call) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    return refused.value.response["Error"]["Message"]


def test_iam_resources_need_capability_iam(aws):
    """AWS CloudFormation API Reference, CreateChangeSet Capabilities: if your template
    includes IAM resources you must specify CAPABILITY_IAM (CAPABILITY_NAMED_IAM when they
    have custom names), otherwise InsufficientCapabilities - also for the role an
    AWS::Serverless::Function gets from the SAM transform."""
    cf = aws("cloudformation")
    plain = "Resources:" + ROLE

    def change_set(template, *capabilities):
        return lambda: cf.create_change_set(
            StackName=unique("caps"), ChangeSetName=unique("cs"), TemplateBody=template,
            ChangeSetType="CREATE", Capabilities=list(capabilities))

    assert refusal(change_set(plain)) == "Requires capabilities : [CAPABILITY_IAM]"
    assert refusal(change_set(SAM_NO_OP)) == "Requires capabilities : [CAPABILITY_IAM]"
    named = plain.replace("Properties:\n", "Properties:\n      RoleName: my-role\n", 1)
    assert refusal(change_set(named, "CAPABILITY_IAM")) == \
        "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    assert change_set(SAM_NO_OP, "CAPABILITY_IAM")()["Id"]  # a SAM change set needs no AUTO_EXPAND


def test_a_transform_deployed_without_a_change_set_needs_auto_expand(aws):
    """AWS CloudFormation API Reference, CreateStack Capabilities, CAPABILITY_AUTO_EXPAND:
    to create a stack from a template that contains macros (such as AWS::Serverless) directly,
    without first reviewing the changes in a change set, you must acknowledge this
    capability."""
    cf, stack = aws("cloudformation"), unique("direct")
    assert refusal(lambda: cf.create_stack(StackName=stack, TemplateBody=SAM_NO_OP,
                                           Capabilities=["CAPABILITY_IAM"])) == \
        "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"
    cf.create_stack(StackName=stack, TemplateBody=SAM_NO_OP,
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    assert settled(cf, stack)["StackStatus"] == "CREATE_COMPLETE"
    cf.delete_stack(StackName=stack)
