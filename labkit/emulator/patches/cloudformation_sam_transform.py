"""Run the AWS::Serverless-2016-10-31 transform when a template declares it.

moto knows no transforms: every AWS::Serverless::Function / SimpleTable / event would be
skipped with a warning and the stack would still say CREATE_COMPLETE. We expand the
template with AWS's own translator (samtranslator) before moto sees it, and keep the
original for GetTemplate, whose default TemplateStage is Original.
"""
from __future__ import annotations

NAME = "cloudformation_sam_transform"
AWS_BEHAVIOUR = (
    "The AWS::Serverless transform takes an entire template written in the AWS SAM syntax "
    "and transforms and expands it into a compliant CloudFormation template; CloudFormation "
    "processes transforms when you create a change set (AWS CloudFormation User Guide: "
    "'AWS::Serverless transform'). GetTemplate returns the template as submitted "
    "(TemplateStage Original, the default) or after transforms (Processed) (AWS CloudFormation "
    "API Reference: GetTemplate)."
)


def apply(ctx) -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    from labkit.emulator.cloudformation.sam_transform import expand

    def processed(backend, template, parameters):
        try:
            return expand(template, parameters or {}, backend.region_name, backend.account_id)
        except ValueError as error:
            raise ValidationError(message=str(error)) from None

    moto_create_change_set = CloudFormationBackend.create_change_set
    moto_execute_change_set = CloudFormationBackend.execute_change_set
    moto_create_stack = CloudFormationBackend.create_stack
    moto_update_stack = CloudFormationBackend.update_stack

    def create_change_set(self, stack_name, change_set_name, template, parameters, *args, **kw):
        expanded = processed(self, template, parameters)
        ids = moto_create_change_set(self, stack_name, change_set_name, expanded or template,
                                     parameters, *args, **kw)
        self.change_sets[ids[0]].labkit_original_template = template
        return ids

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        moto_execute_change_set(self, change_set_name, stack_name)
        if change_set.execution_status != "EXECUTE_COMPLETE":
            return  # rolled back: the stack keeps its previous template
        change_set.stack.labkit_original_template = getattr(
            change_set, "labkit_original_template", change_set.template)

    def create_stack(self, name, template, parameters, *args, **kw):
        stack = moto_create_stack(self, name, processed(self, template, parameters) or template,
                                  parameters, *args, **kw)
        stack.labkit_original_template = template
        return stack

    def update_stack(self, name, template, role_arn, parameters, tags):
        values = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters or []
                  if "ParameterValue" in p}
        stack = moto_update_stack(self, name, processed(self, template, values) or template,
                                  role_arn, parameters, tags)
        stack.labkit_original_template = template
        return stack

    def get_template(self):
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stage = self._get_param("TemplateStage") or "Original"
        body = stack.template
        if stage == "Original":
            body = getattr(stack, "labkit_original_template", None) or body
        return ActionResult({"TemplateBody": body,
                             "StagesAvailable": ["Original", "Processed"]})

    CloudFormationBackend.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set
    CloudFormationBackend.create_stack = create_stack
    CloudFormationBackend.update_stack = update_stack
    CloudFormationResponse.get_template = get_template
