"""The stack resources moto has no model for (AWS::CloudWatch::Alarm, AWS::SNS::Subscription,
AWS::Lambda::Alias here) declare their type, naming property and Fn::GetAtt attributes as data,
and are made known to moto's template parser once defined."""
from __future__ import annotations


class DeclaredModel:
    """Mixed in before moto's CloudFormationModel. moto finds models through
    CloudFormationModel.__subclasses__(), so each model must still subclass it directly."""

    TYPE = ""              # e.g. "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = ""     # the property that names the resource ("" if it has none)
    GETATT: tuple[str, ...] = ()   # what Fn::GetAtt answers

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.GETATT


def list_models_again() -> None:
    """moto lists the models once and caches the list: after importing a module that defines
    one, list them again so that templates can use it."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
