"""Refuse a template whose IAM resources (or transforms) were not acknowledged.

moto deploys anything; AWS answers InsufficientCapabilitiesException "Requires
capabilities : [CAPABILITY_IAM]" - the error a learner meets on forgetting --capabilities.
The rules are in labkit.emulator.cloudformation.capabilities.
"""
from __future__ import annotations

NAME = "cloudformation_capabilities"
AWS_BEHAVIOUR = (
    "Capabilities: in some cases you must explicitly acknowledge that your stack template "
    "contains certain capabilities: CAPABILITY_IAM and CAPABILITY_NAMED_IAM for IAM "
    "resources (the latter when they have custom names), CAPABILITY_AUTO_EXPAND for macros "
    "when you create the stack directly from the template; otherwise the action returns an "
    "InsufficientCapabilities error (AWS CloudFormation API Reference: CreateStack, "
    "CreateChangeSet, UpdateStack)."
)


def apply(ctx) -> None:
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.responses import CloudFormationResponse

    from labkit.emulator.cloudformation.capabilities import missing, required
    from labkit.emulator.cloudformation.sam_transform import declares_sam, expand, parse

    class InsufficientCapabilities(CloudFormationError):
        code = "InsufficientCapabilitiesException"

    def template_of(response):
        body = response._get_param("TemplateBody")
        url = response._get_param("TemplateURL")
        if not body and url:
            body = response._get_stack_from_s3_url(url)
        if not body and response._get_bool_param("UsePreviousTemplate", False):
            body = response.cloudformation_backend.get_stack(
                response._get_param("StackName")).template
        return body

    def check(response, change_set: bool):
        try:
            body = template_of(response)
            template = parse(body) if body else {}
            if not isinstance(template, dict):
                return
            values = {p["ParameterKey"]: p.get("ParameterValue")
                      for p in response._get_param("Parameters", []) if "ParameterValue" in p}
            backend = response.cloudformation_backend
            processed = expand(body, values, backend.region_name, backend.account_id)
        except Exception:
            return  # moto or the transform patch report a broken template themselves
        needed = required(parse(processed) if processed else template, declares_sam(template),
                          change_set)
        lacking = missing(needed, response._get_param("Capabilities", []))
        if lacking:
            raise InsufficientCapabilities(f"Requires capabilities : [{', '.join(lacking)}]")

    for action, change_set in (("create_change_set", True), ("create_stack", False),
                               ("update_stack", False)):
        moto_action = getattr(CloudFormationResponse, action)

        def checked(self, _moto=moto_action, _change_set=change_set):
            check(self, _change_set)
            return _moto(self)
        setattr(CloudFormationResponse, action, checked)
