"""AWS::Lambda::Alias as a stack resource, and what AWS::Lambda::Version returns.

moto has no AWS::Lambda::Alias model (a template's alias is skipped with a warning, so a
SAM AutoPublishAlias or a weighted alias never exists), and its AWS::Lambda::Version answers
neither Ref (the version ARN) nor Fn::GetAtt Version (the version number).
Sources: AWS CloudFormation User Guide, "AWS::Lambda::Alias" and "AWS::Lambda::Version".
"""
from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from labkit.emulator.cloudformation.declared_models import DeclaredModel


def _backend(account_id: str, region: str):
    from moto.awslambda.utils import get_backend  # the no-Docker "simple" one on our server

    return get_backend(account_id, region)


def routing_config(properties: dict[str, Any]) -> dict[str, Any] | None:
    """CloudFormation's list of {FunctionVersion, FunctionWeight} -> the Lambda API's map."""
    weights = (properties.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    if not weights:
        return None
    return {"AdditionalVersionWeights": {
        str(w["FunctionVersion"]).rsplit(":", 1)[-1]: float(w["FunctionWeight"])
        for w in weights}}


class StackLambdaAlias(DeclaredModel, CloudFormationModel):
    """A stack's alias: its physical id (what Ref answers) is the alias ARN. Its name is no
    generated physical name: CloudFormation takes it from the Name property."""

    TYPE, GETATT = "AWS::Lambda::Alias", ("AliasArn",)

    def __init__(self, account_id: str, region: str, function_name: str, alias) -> None:
        self.account_id, self.region = account_id, region
        self.function_name = function_name
        self.alias = alias

    @property
    def physical_resource_id(self) -> str:
        return self.alias.arn

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "AliasArn":
            return self.alias.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs) -> "StackLambdaAlias":
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        function_name = backend.get_function(properties["FunctionName"]).function_name
        alias = backend.create_alias(
            name=properties["Name"], function_name=function_name,
            function_version=str(properties["FunctionVersion"]),
            description=properties.get("Description", ""),
            routing_config=routing_config(properties))
        return cls(account_id, region_name, function_name, alias)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        function_name = backend.get_function(properties["FunctionName"]).function_name
        if (properties["Name"], function_name) != (original_resource.alias.name,
                                                   original_resource.function_name):
            # Name and FunctionName need replacement: make the new alias, drop the old one
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                       account_id, region_name)
        original_resource.alias = backend.update_alias(
            name=properties["Name"], function_name=function_name,
            function_version=str(properties["FunctionVersion"]),
            description=properties.get("Description", ""),
            routing_config=routing_config(properties) or {})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name) -> None:
        properties = cloudformation_json["Properties"]
        _delete_alias(account_id, region_name, properties["Name"], properties["FunctionName"])

    def delete(self, account_id: str, region_name: str) -> None:
        _delete_alias(account_id, region_name, self.alias.name, self.function_name)


def _delete_alias(account_id: str, region: str, name: str, function_name: str) -> None:
    backend = _backend(account_id, region)
    try:
        backend.get_function(function_name)
    except Exception:
        return  # the stack deleted the function first: its aliases went with it
    backend.delete_alias(name, function_name)


def give_versions_ref_and_getatt() -> None:
    """AWS::Lambda::Version: Ref -> the version's ARN; Fn::GetAtt Version -> its number."""
    from moto.awslambda.models import LambdaVersion

    moto_create = LambdaVersion.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        version = moto_create(cls, resource_name, cloudformation_json, account_id,
                              region_name, **kwargs)
        function = _backend(account_id, region_name).get_function(
            cloudformation_json["Properties"]["FunctionName"])
        version.labkit_arn = f"{function.function_arn.split(':function:')[0]}:function:" \
                             f"{function.function_name}:{version.version}"
        return version

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Version":
            return str(self.version)
        if attribute_name == "FunctionArn":
            return self.labkit_arn
        raise UnformattedGetAttTemplateException()

    LambdaVersion.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    LambdaVersion.physical_resource_id = property(lambda self: self.labkit_arn)
    LambdaVersion.get_cfn_attribute = get_cfn_attribute
    LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version",
                                                                        "FunctionArn"))
