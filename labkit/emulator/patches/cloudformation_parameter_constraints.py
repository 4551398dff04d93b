"""Refuse parameter values that break the template's constraints (AllowedValues, ...).

moto takes any value: a stack deploys with Env=staging although the template allows only
dev and prod. The checks are in labkit.emulator.cloudformation.parameters.
"""
from __future__ import annotations

NAME = "cloudformation_parameter_constraints"
AWS_BEHAVIOUR = (
    "AllowedValues: an array containing the list of values allowed for the parameter; "
    "AllowedPattern, MinLength/MaxLength and MinValue/MaxValue constrain it likewise. When a "
    "value does not meet them, CloudFormation refuses the request with a ValidationError "
    "such as \"Parameter 'Env' must be one of AllowedValues\" (AWS CloudFormation User Guide: "
    "'CloudFormation template Parameters syntax')."
)


def apply(ctx) -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    from labkit.emulator.cloudformation.parameters import violation
    from labkit.emulator.cloudformation.sam_transform import parse

    def check(template, given):
        try:
            parsed = parse(template) if template else {}
        except Exception:
            return  # moto reports an unreadable template itself
        problem = violation(parsed if isinstance(parsed, dict) else {}, given or {})
        if problem:
            raise ValidationError(message=problem)

    moto_change_set = CloudFormationBackend.create_change_set
    moto_create = CloudFormationBackend.create_stack
    moto_update = CloudFormationBackend.update_stack

    def create_change_set(self, stack_name, change_set_name, template, parameters, *a, **kw):
        check(template, parameters)
        return moto_change_set(self, stack_name, change_set_name, template, parameters, *a, **kw)

    def create_stack(self, name, template, parameters, *a, **kw):
        check(template, parameters)
        return moto_create(self, name, template, parameters, *a, **kw)

    def update_stack(self, name, template, role_arn, parameters, tags):
        given = {p["ParameterKey"]: p["ParameterValue"] for p in parameters or []
                 if "ParameterValue" in p}
        check(template, given)
        return moto_update(self, name, template, role_arn, parameters, tags)

    CloudFormationBackend.create_change_set = create_change_set
    CloudFormationBackend.create_stack = create_stack
    CloudFormationBackend.update_stack = update_stack
