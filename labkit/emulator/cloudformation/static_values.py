"""Template values as CloudFormation resolves them before it creates anything.

A change set lists a resource as modified when what it would be given changes ("Update
behaviors of stack resources", AWS CloudFormation User Guide), not only when its
declaration reads differently: a new value in the Mappings section read through
Fn::FindInMap, a new parameter value, or a condition whose definition changed all change the
value a property resolves to. ``resolve`` evaluates the intrinsic functions whose inputs
the template itself holds (parameters, mappings, conditions, pseudo parameters) and leaves
those that name resources (Ref to a resource, Fn::GetAtt, Fn::ImportValue, ...) as written,
so two resolutions of a declaration differ exactly when such an input changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")
_UNRESOLVED = object()


@dataclass
class Inputs:
    """What a template's intrinsic functions may read without any resource."""
    parameters: dict[str, Any]
    mappings: dict[str, Any]
    conditions: dict[str, Any]
    pseudo: dict[str, Any] = field(default_factory=dict)
    _truths: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, template: dict[str, Any], given: dict[str, Any],
           pseudo: dict[str, Any] | None = None) -> "Inputs":
        """``given``: the parameter values passed (the others take their Default)."""
        parameters = {}
        for name, slot in (template.get("Parameters") or {}).items():
            slot = slot if isinstance(slot, dict) else {}
            value = given.get(name, slot.get("Default"))
            if value is None:
                continue
            value = _text(value)
            kind = str(slot.get("Type", "String"))
            if kind == "CommaDelimitedList" or kind.startswith("List<"):
                value = [part.strip() for part in value.split(",")]
            parameters[name] = value
        return cls(parameters, dict(template.get("Mappings") or {}),
                   dict(template.get("Conditions") or {}),
                   {k: v for k, v in (pseudo or {}).items() if k != "AWS::NoValue"})

    def truth(self, name: str) -> Any:
        """A condition's value: True, False, or _UNRESOLVED."""
        if name not in self._truths:
            self._truths[name] = _UNRESOLVED          # a cycle stays unresolved
            self._truths[name] = _truth(self.conditions.get(name, _UNRESOLVED), self)
        return self._truths[name]


def _text(value: Any) -> Any:
    """Parameter values are strings; a YAML Default may be a number or a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def resolve(node: Any, inputs: Inputs) -> Any:
    if isinstance(node, list):
        return [resolve(value, inputs) for value in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, argument), = node.items()
        function = _FUNCTIONS.get(key)
        if function is not None:
            return function(argument, inputs)
    return {key: resolve(value, inputs) for key, value in node.items()}


def _ref(name: Any, inputs: Inputs) -> Any:
    if isinstance(name, str):
        if name in inputs.parameters:
            return inputs.parameters[name]
        if name in inputs.pseudo:
            return inputs.pseudo[name]
    return {"Ref": name}


def _find_in_map(argument: Any, inputs: Inputs) -> Any:
    argument = resolve(argument, inputs)
    if isinstance(argument, list) and len(argument) >= 3 and all(
            isinstance(key, (str, int)) for key in argument[:3]):
        name, top, second = (str(key) for key in argument[:3])
        try:
            return inputs.mappings[name][top][second]
        except (KeyError, TypeError):
            if len(argument) == 4 and isinstance(argument[3], dict) \
                    and "DefaultValue" in argument[3]:   # AWS::LanguageExtensions
                return argument[3]["DefaultValue"]
    return {"Fn::FindInMap": argument}


def _if(argument: Any, inputs: Inputs) -> Any:
    if isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str):
        truth = inputs.truth(argument[0])
        if truth is not _UNRESOLVED:
            return resolve(argument[1] if truth else argument[2], inputs)
    return {"Fn::If": resolve(argument, inputs)}


def _truth(body: Any, inputs: Inputs) -> Any:
    if isinstance(body, dict) and len(body) == 1:
        (key, argument), = body.items()
        if key == "Condition" and isinstance(argument, str):
            return inputs.truth(argument)
        if key == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
            left, right = (resolve(side, inputs) for side in argument)
            if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
                return _UNRESOLVED
            return str(_text(left)) == str(_text(right))
        if key in ("Fn::And", "Fn::Or", "Fn::Not") and isinstance(argument, list):
            truths = [_truth(part, inputs) for part in argument]
            if any(t is _UNRESOLVED for t in truths):
                return _UNRESOLVED
            return (all(truths) if key == "Fn::And" else any(truths) if key == "Fn::Or"
                    else not truths[0])
    if isinstance(body, bool):
        return body
    return _UNRESOLVED


def _sub(argument: Any, inputs: Inputs) -> Any:
    text, names = (argument[0], resolve(argument[1], inputs)) if isinstance(argument, list) \
        and len(argument) == 2 else (argument, {})
    if not isinstance(text, str) or not isinstance(names, dict):
        return {"Fn::Sub": resolve(argument, inputs)}

    def value(match: re.Match) -> str:
        name = match.group(1)
        found = names[name] if name in names else _ref(name, inputs)
        return str(_text(found)) if isinstance(found, (str, int, float, bool)) \
            else match.group(0)

    text = _SUB_NAME.sub(value, text)
    if _SUB_NAME.search(text):
        return {"Fn::Sub": [text, names] if names else text}
    return text.replace("${!", "${")


def _join(argument: Any, inputs: Inputs) -> Any:
    argument = resolve(argument, inputs)
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
            and isinstance(argument[1], list) and all(
                isinstance(part, (str, int, float)) for part in argument[1]):
        return argument[0].join(str(part) for part in argument[1])
    return {"Fn::Join": argument}


def _select(argument: Any, inputs: Inputs) -> Any:
    argument = resolve(argument, inputs)
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
        try:
            return argument[1][int(argument[0])]
        except (ValueError, TypeError, IndexError):
            pass
    return {"Fn::Select": argument}


def _split(argument: Any, inputs: Inputs) -> Any:
    argument = resolve(argument, inputs)
    if isinstance(argument, list) and len(argument) == 2 and all(
            isinstance(part, str) for part in argument):
        return argument[1].split(argument[0])
    return {"Fn::Split": argument}


_FUNCTIONS = {"Ref": _ref, "Fn::FindInMap": _find_in_map, "Fn::If": _if, "Fn::Sub": _sub,
              "Fn::Join": _join, "Fn::Select": _select, "Fn::Split": _split}
