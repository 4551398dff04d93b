"""Roll a stack back after a resource failed to create or update.

AWS CloudFormation does not leave a half-applied template behind: a failed create deletes
what it made (ROLLBACK_COMPLETE), a failed update puts the previous template's resources and
properties back (UPDATE_ROLLBACK_COMPLETE) ("Stack status codes", "Troubleshooting
CloudFormation", AWS CloudFormation User Guide). moto raises the resource's error instead,
out of the API call, and keeps whatever it had changed.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def failure_reason(error: Exception) -> str:
    """The resource's own error, as CloudFormation shows it in the stack events."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    if error.args and isinstance(error.args[-1], str):
        return error.args[-1]  # e.g. ("InvalidParameterValueException", "the message")
    return str(error) or type(error).__name__


def add_resource_event(stack, logical_id: str | None, status: str, reason: str) -> None:
    from moto.cloudformation.models import Event

    if not logical_id:
        return
    resource = (stack.template_dict.get("Resources") or {}).get(logical_id) or {}
    stack.events.append(Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id="", resource_type=resource.get("Type", ""),
        resource_status=status, resource_status_reason=reason, resource_properties=None))


def roll_back_create(stack, error: Exception, logical_id: str | None,
                     disable_rollback: bool) -> None:
    """Delete what the failed create made (unless rollback is disabled): ROLLBACK_COMPLETE,
    or CREATE_FAILED with the resources kept for troubleshooting."""
    reason = failure_reason(error)
    add_resource_event(stack, logical_id, "CREATE_FAILED", reason)
    _forget_uncreated(stack.resource_map)
    if disable_rollback:
        _finish(stack, "CREATE_FAILED", f"The following resource(s) failed to create: "
                f"[{logical_id or ''}]. Rollback disabled.")
        return
    stack._add_stack_event("ROLLBACK_IN_PROGRESS",
                           resource_status_reason=f"The following resource(s) failed to "
                                                  f"create: [{logical_id or ''}]. Rollback "
                                                  f"requested by user.")
    try:
        stack.resource_map.delete()
    except Exception:  # what cannot be deleted stays, as DELETE_FAILED would in AWS
        log.exception("rollback of stack %s left resources behind", stack.name)
    _forget_uncreated(stack.resource_map)
    _finish(stack, "ROLLBACK_COMPLETE", reason)


def roll_back_update(stack, previous_template: Any, previous_parameters: dict[str, Any],
                     error: Exception, logical_id: str | None, disable_rollback: bool) -> None:
    """Re-apply the previous template and parameters: UPDATE_ROLLBACK_COMPLETE, or
    UPDATE_FAILED with the partial update kept when rollback is disabled."""
    reason = failure_reason(error)
    add_resource_event(stack, logical_id, "UPDATE_FAILED", reason)
    if disable_rollback:
        _finish(stack, "UPDATE_FAILED", reason)
        return
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS",
                           resource_status_reason=f"The following resource(s) failed to "
                                                  f"update: [{logical_id or ''}].")
    stack.template = previous_template
    stack._parse_template()
    try:
        stack.resource_map.update(stack.template_dict, dict(previous_parameters))
    except Exception as second:
        _finish(stack, "UPDATE_ROLLBACK_FAILED", failure_reason(second))
        return
    stack.parameters = dict(previous_parameters)
    stack.output_map = stack._create_output_map()
    _finish(stack, "UPDATE_ROLLBACK_COMPLETE", reason)


def _forget_uncreated(resource_map) -> None:
    """moto's resource map creates any template resource it has not made yet as soon as it
    is listed (ListStackResources): after a failed create, only what exists may stay in it."""
    made = resource_map._parsed_resources
    resource_map._resource_json_map = {name: body for name, body
                                       in resource_map._resource_json_map.items() if name in made}


def _finish(stack, status: str, reason: str) -> None:
    stack._add_stack_event(status)
    stack.status = status
    stack.status_reason = reason
