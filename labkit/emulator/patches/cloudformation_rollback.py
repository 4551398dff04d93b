"""A stack operation that fails rolls back instead of leaving a half-applied template.

moto lets the failing resource's error escape from ExecuteChangeSet / CreateStack /
UpdateStack (even as another service's JSON error inside a CloudFormation XML API) and keeps
what it had already changed. AWS accepts the call, then rolls back and reports the failure
in the stack status and events. The rollback itself is in labkit.emulator.cloudformation.
"""
from __future__ import annotations

import threading

NAME = "cloudformation_rollback"
AWS_BEHAVIOUR = (
    "UPDATE_ROLLBACK_COMPLETE: successful return of one or more stacks to a previous working "
    "state after a failed stack update; ROLLBACK_COMPLETE: successful removal of one or more "
    "stacks after a failed stack creation; CREATE_FAILED: unsuccessful creation of one or "
    "more stacks (with rollback disabled) (AWS CloudFormation User Guide: 'Stack status "
    "codes'; 'Troubleshooting CloudFormation')."
)

_request = threading.local()  # DisableRollback of the API call being served


def apply(ctx) -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.cloudformation.responses import CloudFormationResponse

    from labkit.emulator.cloudformation.rollback import roll_back_create, roll_back_update

    _name_the_failing_resource(parsing)

    moto_execute = CloudFormationBackend.execute_change_set
    moto_create_resources = Stack.create_resources
    moto_update = Stack.update

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        stack = change_set.stack
        previous = (stack.template, dict(stack.resource_map.input_parameters or {}))
        try:
            return moto_execute(self, change_set_name, stack_name)
        except Exception as error:
            change_set.execution_status = "EXECUTE_FAILED"
            failed = getattr(error, "labkit_logical_id", None)
            if change_set.change_set_type == "CREATE":
                roll_back_create(stack, error, failed, _disable_rollback())
            else:
                roll_back_update(stack, *previous, error, failed, _disable_rollback())

    def create_resources(self):
        try:
            return moto_create_resources(self)
        except Exception as error:
            roll_back_create(self, error, getattr(error, "labkit_logical_id", None),
                             _disable_rollback())

    def update(self, template, role_arn=None, parameters=None, tags=None):
        previous = (self.template, dict(self.resource_map.input_parameters or {}))
        try:
            return moto_update(self, template, role_arn, parameters, tags)
        except Exception as error:
            roll_back_update(self, *previous, error, getattr(error, "labkit_logical_id", None),
                             _disable_rollback())

    CloudFormationBackend.execute_change_set = execute_change_set
    Stack.create_resources = create_resources
    Stack.update = update
    for action in ("execute_change_set", "create_stack", "update_stack"):
        setattr(CloudFormationResponse, action,
                _remembering_disable_rollback(getattr(CloudFormationResponse, action)))


def _disable_rollback() -> bool:
    return bool(getattr(_request, "disable_rollback", False))


def _remembering_disable_rollback(moto_action):
    def action(self):
        # CreateStack also says it as OnFailure=DO_NOTHING
        _request.disable_rollback = (self._get_bool_param("DisableRollback", False)
                                     or self._get_param("OnFailure") == "DO_NOTHING")
        try:
            return moto_action(self)
        finally:
            _request.disable_rollback = False
    return action


def _name_the_failing_resource(parsing) -> None:
    """Tag a resource's error with its logical id: the stack events name the resource."""
    for function_name in ("parse_and_create_resource", "parse_and_update_resource"):
        moto_function = getattr(parsing, function_name)

        def tagging(logical_id, *args, _moto=moto_function, **kwargs):
            try:
                return _moto(logical_id, *args, **kwargs)
            except Exception as error:
                if not hasattr(error, "labkit_logical_id"):
                    try:
                        error.labkit_logical_id = logical_id
                    except AttributeError:
                        pass
                raise
        setattr(parsing, function_name, tagging)
