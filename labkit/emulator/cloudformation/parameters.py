"""Template parameter constraints: AllowedValues, AllowedPattern, lengths, numeric bounds.

"CloudFormation template Parameters syntax" (AWS CloudFormation User Guide): a value that
breaks a parameter's constraint is refused before anything is deployed; moto accepts it.
"""
from __future__ import annotations

import re
from typing import Any


def violation(template: dict[str, Any], given: dict[str, Any]) -> str | None:
    """The ValidationError message AWS gives for the first broken constraint, or None."""
    declared = template.get("Parameters") or {}
    unknown = sorted(name for name in given if name not in declared)
    if unknown:
        return f"Parameters: [{', '.join(unknown)}] do not exist in the template"
    for name, slot in declared.items():
        if not isinstance(slot, dict):
            continue
        value = given.get(name, slot.get("Default"))
        if value is None:
            continue
        problem = _broken(name, slot, value)
        if problem:
            return problem
    return None


def _broken(name: str, slot: dict[str, Any], value: Any) -> str | None:
    kind = slot.get("Type", "String")
    values = [v.strip() for v in str(value).split(",")] if (
        kind == "CommaDelimitedList" or kind.startswith("List<")) else [str(value)]
    allowed = [str(v) for v in slot.get("AllowedValues") or []]
    for one in values:
        if allowed and one not in allowed:
            return f"Parameter '{name}' must be one of AllowedValues"
        if kind in ("Number", "List<Number>"):
            try:
                number = float(one)
            except ValueError:
                return f"Parameter '{name}' must be a number"
            if "MinValue" in slot and number < float(slot["MinValue"]):
                return f"Parameter '{name}' must be a number not less than {slot['MinValue']}"
            if "MaxValue" in slot and number > float(slot["MaxValue"]):
                return (f"Parameter '{name}' must be a number not greater than "
                        f"{slot['MaxValue']}")
        if "AllowedPattern" in slot and not re.fullmatch(slot["AllowedPattern"], one):
            rule = slot.get("ConstraintDescription") or (
                f"Parameter {name} must match pattern {slot['AllowedPattern']}")
            return f"Parameter '{name}' failed to satisfy constraint: {rule}"
        if "MinLength" in slot and len(one) < int(slot["MinLength"]):
            return f"Parameter '{name}' must contain at least {slot['MinLength']} characters"
        if "MaxLength" in slot and len(one) > int(slot["MaxLength"]):
            return f"Parameter '{name}' must contain at most {slot['MaxLength']} characters"
    return None
