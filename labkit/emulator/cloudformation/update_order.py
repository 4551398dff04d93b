"""The order in which a stack update creates and updates resources: dependencies first.

CloudFormation works out dependencies from Ref, Fn::GetAtt, Fn::Sub and DependsOn, and
updates a resource before the resources that depend on it ("DependsOn attribute", AWS
CloudFormation User Guide). moto creates every added resource before it updates any
changed one, so a new AWS::Lambda::Version is published before the function's new code is
in place.
"""
from __future__ import annotations

import re
from typing import Any

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


def references(node: Any) -> set[str]:
    """Logical ids (or parameters) a template fragment points at."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found.update(_SUB_NAME.findall(text))
                if isinstance(value, list) and len(value) > 1:
                    found.update(references(value[1]))
                continue
            found.update(references(value))
    elif isinstance(node, list):
        for value in node:
            found.update(references(value))
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids so that each comes after everything it refers to or DependsOn."""
    needs = {}
    for name, body in resources.items():
        depends = body.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        needs[name] = (references(body.get("Properties") or {}) | set(depends)) & set(resources)
        needs[name].discard(name)
    ordered: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: tuple[str, ...]) -> None:
        if name in placed or name in path:  # a cycle: CloudFormation refuses it; moto's order
            return
        for need in sorted(needs[name]):
            place(need, path + (name,))
        placed.add(name)
        ordered.append(name)

    for name in resources:
        place(name, ())
    return ordered
