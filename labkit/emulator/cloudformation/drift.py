"""Stack drift: a stack resource's live properties against its template's.

From "Detect unmanaged configuration changes to stacks and resources with drift detection"
(AWS CloudFormation User Guide): only properties the template sets are compared (explicitly
or through parameters); a resource is IN_SYNC, MODIFIED or DELETED, or NOT_CHECKED when its
type does not support drift detection; the stack is DRIFTED when any resource is MODIFIED or
DELETED. Each difference names a property path and is ADD, REMOVE or NOT_EQUAL.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from labkit.emulator.cloudformation.drift_readers import READERS


def resource_drift(stack, logical_id: str, now) -> dict[str, Any]:
    """The StackResourceDrift of one resource (AWS CloudFormation API Reference)."""
    from moto.cloudformation.parsing import clean_json

    resource_map = stack.resource_map
    resource = resource_map._parsed_resources.get(logical_id)
    body = resource_map._resource_json_map[logical_id]
    physical_id = getattr(resource, "physical_resource_id", None) or ""
    drift = {"StackId": stack.stack_id, "LogicalResourceId": logical_id,
             "PhysicalResourceId": physical_id, "ResourceType": body["Type"], "Timestamp": now}
    reader = READERS.get(body["Type"])
    if reader is None or resource is None:
        return {**drift, "StackResourceDriftStatus": "NOT_CHECKED"}
    declared = clean_json(copy.deepcopy(body.get("Properties") or {}), resource_map)
    live = reader(physical_id, stack.account_id, stack.region_name)
    drift["ExpectedProperties"] = json.dumps(declared, sort_keys=True, default=str)
    if live is None:
        return {**drift, "StackResourceDriftStatus": "DELETED"}
    # Only what the template sets is compared; the rest of the live state is not drift.
    observed = {name: live[name] for name in declared if name in live}
    expected, actual = _normalised(declared), _normalised(observed)
    differences = [d for name in observed
                   for d in _differences(f"/{name}", expected.get(name), actual.get(name))]
    drift["ActualProperties"] = json.dumps({**declared, **observed}, sort_keys=True,
                                           default=str)
    drift["PropertyDifferences"] = differences
    drift["StackResourceDriftStatus"] = "MODIFIED" if differences else "IN_SYNC"
    return drift


def _normalised(value: Any) -> Any:
    """CloudFormation compares values, not spellings: 30, "30" and 30.0 are one value."""
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_normalised(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return str(value) if value is not None else None


def _differences(path: str, expected: Any, actual: Any) -> list[dict[str, str]]:
    if expected is None:
        return []
    if actual is None:
        return [_difference(path, expected, None, "REMOVE")]
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{key}"
            if key not in actual:
                found.append(_difference(where, expected[key], None, "REMOVE"))
            elif key not in expected:
                found.append(_difference(where, None, actual[key], "ADD"))
            else:
                found += _differences(where, expected[key], actual[key])
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        # Lists of settings (AttributeDefinitions, KeySchema) are compared as sets.
        if sorted(map(_key, expected)) == sorted(map(_key, actual)):
            return []
    elif expected == actual:
        return []
    return [_difference(path, expected, actual, "NOT_EQUAL")]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, str]:
    def text(value):
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return {"PropertyPath": path, "ExpectedValue": "" if expected is None else text(expected),
            "ActualValue": "" if actual is None else text(actual), "DifferenceType": kind}
