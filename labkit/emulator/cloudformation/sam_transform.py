"""Expand the AWS::Serverless-2016-10-31 transform with AWS's own translator (samtranslator).

CloudFormation runs this transform when it creates a change set for a template that declares
it ("AWS::Serverless transform", AWS CloudFormation User Guide); moto has no transforms, so it
would skip every AWS::Serverless::* resource. We hand moto the processed template instead.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


def parse(template_body: str | dict) -> dict[str, Any]:
    """YAML (with short-form !Ref/!GetAtt tags) or JSON, the way moto reads templates."""
    if isinstance(template_body, dict):
        return template_body
    from moto.cloudformation.models import Stack

    return Stack.parse_template(template_body) or {}


def declares_sam(template: dict[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in names


def expand(template_body: str | dict, parameters: dict[str, Any], region: str,
           account_id: str) -> str | None:
    """The processed template as JSON text, or None when the template declares no SAM
    transform. Raises ValueError with the translator's message on an invalid template."""
    template = parse(template_body)
    if not isinstance(template, dict) or not declares_sam(template):
        return None
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    values = _pseudo_parameters(region, account_id)
    values.update(_defaults(template))
    values.update(parameters or {})
    # The session only names the region (for ARNs); the translator makes no call with it.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(
        region_name=region, aws_access_key_id="test", aws_secret_access_key="test"))
    try:
        processed = translator.translate(copy.deepcopy(template), parameter_values=values,
                                         get_managed_policy_map=_managed_policy_map)
    except InvalidDocumentException as error:
        raise ValueError(
            "Transform AWS::Serverless-2016-10-31 failed with: " + "; ".join(
                str(cause.message) for cause in error.causes)) from None
    return json.dumps(processed)


def _pseudo_parameters(region: str, account_id: str) -> dict[str, str]:
    return {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com"}


def _defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {name: slot["Default"] for name, slot in (template.get("Parameters") or {}).items()
            if isinstance(slot, dict) and "Default" in slot}


def _managed_policy_map() -> dict[str, str]:
    """Policies: [AWSLambdaBasicExecutionRole] names -> ARNs, from moto's AWS-managed list
    (the translator would otherwise call IAM ListPolicies with real credentials)."""
    return dict(_managed_policy_arns())


@lru_cache(maxsize=1)
def _managed_policy_arns() -> tuple[tuple[str, str], ...]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    policies = json.loads(aws_managed_policies_data)
    return tuple((name, f"arn:aws:iam::aws:policy{policy.get('Path', '/')}{name}")
                 for name, policy in policies.items())
