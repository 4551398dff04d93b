"""A stack created or updated through a change set shows its template's Outputs and Exports.

moto builds a stack's outputs once, when the stack object is made; a stack made by
CreateChangeSet (ChangeSetType CREATE) starts with an empty template, so after
ExecuteChangeSet DescribeStacks has no Outputs and ListExports lacks its exports.
"""
from __future__ import annotations

NAME = "cloudformation_change_set_outputs"
AWS_BEHAVIOUR = (
    "Outputs: the optional Outputs section declares output values that you can import into "
    "other stacks (to create cross-stack references), return in response (to describe "
    "stack calls), or view on the CloudFormation console (AWS CloudFormation User Guide: "
    "'CloudFormation template Outputs syntax'); this holds however the stack was deployed, "
    "including with a change set."
)


def apply(ctx) -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    moto_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        stack = change_set.stack
        moto_execute(self, change_set_name, stack_name)
        if change_set.execution_status != "EXECUTE_COMPLETE":
            return  # a rolled-back change set keeps the outputs the stack had
        for name in [name for name, export in self.exports.items()
                     if export.exporting_stack_id == stack.stack_id]:
            self.exports.pop(name)  # the update may rename or drop them
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        taken = {name for name, export in self.exports.items()
                 if export.exporting_stack_id != stack.stack_id}
        clash = [export.name for export in stack.exports if export.name in taken]
        if clash:
            raise ValidationError(stack.stack_id,
                                  message="Export names must be unique across a given region")
        for export in stack.exports:
            self.exports[export.name] = export

    CloudFormationBackend.execute_change_set = execute_change_set
