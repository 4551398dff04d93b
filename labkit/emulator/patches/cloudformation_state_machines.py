"""A stack's AWS::StepFunctions::StateMachine is the one the Step Functions API runs.

moto creates a stack's state machine in its plain Step Functions backend, while our server
answers the Step Functions API from moto's executing one (execute_state_machine), so
StartExecution says StateMachineDoesNotExist. moto also ignores Definition (the object form)
and DefinitionSubstitutions, which SAM's AWS::Serverless::StateMachine relies on.
"""
from __future__ import annotations

import json

NAME = "cloudformation_state_machines"
AWS_BEHAVIOUR = (
    "AWS::StepFunctions::StateMachine provisions a Step Functions state machine; Definition "
    "is the Amazon States Language definition as an object, DefinitionString as a string, and "
    "DefinitionSubstitutions maps ${keys} in the definition to values such as a function's "
    "ARN; Ref returns the state machine's ARN (AWS CloudFormation User Guide: "
    "'AWS::StepFunctions::StateMachine')."
)


def apply(ctx) -> None:
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.responses import get_backend
    from moto.stepfunctions.utils import cfn_to_api_tags

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        return get_backend(account_id, region_name).create_state_machine(
            properties.get("StateMachineName", resource_name), _definition(properties),
            properties.get("RoleArn", ""),
            tags=cfn_to_api_tags(properties.get("Tags", [])))

    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("StateMachineName", original_resource.name)
        if name != original_resource.name:  # StateMachineName: update requires replacement
            created = cls.create_from_cloudformation_json(name, cloudformation_json,
                                                          account_id, region_name)
            get_backend(account_id, region_name).delete_state_machine(original_resource.arn)
            return created
        return get_backend(account_id, region_name).update_state_machine(
            original_resource.arn, definition=_definition(properties),
            role_arn=properties.get("RoleArn"))

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name):
        get_backend(account_id, region_name).delete_state_machine(resource_name)

    def delete(self, account_id, region_name):
        get_backend(account_id, region_name).delete_state_machine(self.arn)

    StateMachine.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    StateMachine.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    StateMachine.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)
    StateMachine.delete = delete


def _definition(properties: dict) -> str:
    definition = properties.get("DefinitionString")
    if definition is None and properties.get("Definition") is not None:
        definition = json.dumps(properties["Definition"])
    definition = definition or ""
    for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + key + "}", str(value))
    return definition
