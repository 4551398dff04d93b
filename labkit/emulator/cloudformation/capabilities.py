"""Which capabilities a template needs acknowledged before CloudFormation deploys it.

AWS CloudFormation API Reference, CreateStack / CreateChangeSet, Capabilities: a template
with IAM resources needs CAPABILITY_IAM, one with custom names for IAM resources
CAPABILITY_NAMED_IAM; a template with macros (transforms) deployed directly, without a
change set, needs CAPABILITY_AUTO_EXPAND. Otherwise: InsufficientCapabilities.
"""
from __future__ import annotations

from typing import Any

IAM_NAMES = {
    "AWS::IAM::AccessKey": None, "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName", "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None, "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
}


def required(processed: dict[str, Any], has_transform: bool, change_set: bool) -> list[str]:
    """The capabilities the (processed) template needs, in AWS's order of mention."""
    needed = []
    resources = (processed.get("Resources") or {}).values()
    iam = [r for r in resources if isinstance(r, dict) and r.get("Type") in IAM_NAMES]
    named = [r for r in iam if IAM_NAMES[r["Type"]] and
             IAM_NAMES[r["Type"]] in (r.get("Properties") or {})]
    if named:
        needed.append("CAPABILITY_NAMED_IAM")
    elif iam:
        needed.append("CAPABILITY_IAM")
    if has_transform and not change_set:
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed


def missing(needed: list[str], acknowledged: list[str]) -> list[str]:
    """CAPABILITY_NAMED_IAM also covers CAPABILITY_IAM."""
    have = set(acknowledged)
    if "CAPABILITY_NAMED_IAM" in have:
        have.add("CAPABILITY_IAM")
    return [c for c in needed if c not in have]
