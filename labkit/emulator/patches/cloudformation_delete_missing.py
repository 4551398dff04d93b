"""DeleteStack succeeds when a resource was already deleted outside the stack.

moto's stack deletion fails (the whole DeleteStack call answers the resource's NotFound
error) when, say, the stack's queue was deleted by hand; CloudFormation takes a resource
that no longer exists as deleted.
"""
from __future__ import annotations

NAME = "cloudformation_delete_missing"
AWS_BEHAVIOUR = (
    "A delete handler must return FAILED with a NotFound error code if the resource did not "
    "exist prior to the delete request; CloudFormation then treats the resource as deleted "
    "and stack deletion proceeds (CloudFormation Command Line Interface User Guide: "
    "'Resource type handler contracts', Delete handlers)."
)

_NOT_FOUND = ("notfound", "nonexistent", "nosuch", "does not exist", "not found")


def apply(ctx) -> None:
    from moto.cloudformation import parsing

    moto_delete = parsing.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        try:
            return moto_delete(self, parsed_resource, resource_json)
        except Exception as error:
            if not _is_not_found(error):
                raise

    parsing.ResourceMap._delete_resource = _delete_resource


def _is_not_found(error: Exception) -> bool:
    said = " ".join(str(part) for part in (type(error).__name__, getattr(error, "code", ""),
                                           getattr(error, "error_type", ""), error)).lower()
    return any(mark in said for mark in _NOT_FOUND)
