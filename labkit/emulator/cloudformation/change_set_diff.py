"""Which resources a stack update adds, modifies (and whether it replaces them) or removes.

"Update behaviors of stack resources" (AWS CloudFormation User Guide): CloudFormation
compares the submitted template and parameter values with the previous ones; a resource is
modified when its declaration changed or when a value it resolves changed: a parameter it
depends on (directly, or through a condition), a Mappings value it reads through
Fn::FindInMap, a condition's definition (static_values.py resolves both sides); each
property documents whether its update requires replacement. moto compares declarations
only, and counts a declaration it once filled in itself (an absent Properties) as changed.
"""
from __future__ import annotations

import json
from typing import Any

from labkit.emulator.cloudformation.static_values import Inputs, resolve
from labkit.emulator.cloudformation.update_order import references

# ``resolution``, below: the Inputs of the stack as it is and of the submitted template
# (before, after), or None to compare declarations and parameter references only.
Resolution = tuple[Inputs, Inputs]

# Properties whose update requires replacement ("Update requires: Replacement" on each
# resource's page of the AWS CloudFormation User Guide). Every property of
# AWS::Lambda::Version and AWS::Lambda::Permission requires replacement.
REPLACING: dict[str, set[str] | None] = {
    "AWS::SQS::Queue": {"QueueName", "FifoQueue"},
    "AWS::DynamoDB::Table": {"TableName", "KeySchema", "LocalSecondaryIndexes"},
    "AWS::Lambda::Function": {"FunctionName", "PackageType"},
    "AWS::Lambda::Alias": {"Name", "FunctionName"},
    "AWS::Lambda::Version": None,
    "AWS::Lambda::Permission": None,
    "AWS::Lambda::EventSourceMapping": {"EventSourceArn", "StartingPosition",
                                        "StartingPositionTimestamp"},
    "AWS::SNS::Topic": {"TopicName", "FifoTopic"},
    "AWS::SNS::Subscription": {"Endpoint", "Protocol", "TopicArn"},
    "AWS::IAM::Role": {"RoleName", "Path"},
    "AWS::Events::Rule": {"Name", "EventBusName"},
    "AWS::StepFunctions::StateMachine": {"StateMachineName", "StateMachineType"},
    "AWS::CloudWatch::Alarm": {"AlarmName"},
    "AWS::S3::Bucket": {"BucketName"},
}


def _canonical(declaration: Any) -> str:
    declaration = dict(declaration or {})
    declaration.setdefault("Properties", {})
    if not declaration["Properties"]:
        declaration["Properties"] = {}
    return json.dumps(declaration, sort_keys=True, default=str)


def changed_inputs(old_parameters: dict, new_parameters: dict | None,
                   conditions: dict[str, Any]) -> set[str]:
    """Parameters whose value changed, and the conditions that depend on them."""
    if new_parameters is None:
        return set()
    changed = {name for name in set(old_parameters) | set(new_parameters)
               if name in new_parameters and old_parameters.get(name) != new_parameters[name]}
    grew = True
    while grew:  # a condition may use another condition
        uses = {name for name, body in conditions.items()
                if name not in changed and (references(body) | _conditions_in(body)) & changed}
        changed |= uses
        grew = bool(uses)
    return changed


def _conditions_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Condition" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::If" and isinstance(value, list) and value:
                found.add(value[0])
            found |= _conditions_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= _conditions_in(value)
    return found


def changed_properties(old: dict, new: dict, inputs: set[str],
                       resolution: Resolution | None = None) -> list[tuple[str, str]]:
    """(property, ChangeSource) of a resource: DirectModification or ParameterReference (a
    value changed in the template's Mappings or Conditions is a direct modification)."""
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    found = []
    for name in sorted(set(old_props) | set(new_props)):
        if _canonical({"Properties": {name: old_props.get(name)}}) != _canonical(
                {"Properties": {name: new_props.get(name)}}):
            found.append((name, "DirectModification"))
        elif (references(new_props[name]) | _conditions_in(new_props[name])) & inputs:
            found.append((name, "ParameterReference"))
        elif _resolves_differently({"Properties": {name: old_props[name]}},
                                   {"Properties": {name: new_props[name]}}, resolution):
            found.append((name, "DirectModification"))
    return found


def modified(old: dict, new: dict, inputs: set[str],
             resolution: Resolution | None = None) -> bool:
    if _canonical(old) != _canonical(new):
        return True
    if (references(new) | _conditions_in(new)) & inputs:
        return True
    return _resolves_differently(old, new, resolution)


def _resolves_differently(old: dict, new: dict, resolution: Resolution | None) -> bool:
    if resolution is None:
        return False
    before, after = resolution
    return _canonical(resolve(old, before)) != _canonical(resolve(new, after))


def change_details(resource_type: str, properties: list[tuple[str, str]]) -> dict[str, Any]:
    """Replacement, Scope and Details of a Modify (DescribeChangeSet, ResourceChange)."""
    replacing = REPLACING.get(resource_type, set())
    details = []
    for name, source in properties:
        recreate = "Always" if replacing is None or name in replacing else "Never"
        details.append({"Target": {"Attribute": "Properties", "Name": name,
                                   "RequiresRecreation": recreate},
                        "Evaluation": "Static", "ChangeSource": source})
    replaced = any(d["Target"]["RequiresRecreation"] == "Always" for d in details)
    return {"Replacement": "True" if replaced else "False",
            "Scope": ["Properties"] if details else [], "Details": details}
