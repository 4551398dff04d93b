"""AWS::SNS::Subscription as a stack resource (moto has no model for it).

"AWS::SNS::Subscription" (AWS CloudFormation User Guide): subscribes an endpoint to a topic;
Ref returns the subscription ARN; FilterPolicy, RawMessageDelivery and RedrivePolicy are
subscription attributes. SAM's SNS event source is one of these, with Protocol lambda.
"""
from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

from labkit.emulator.cloudformation.declared_models import DeclaredModel

ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
              "DeliveryPolicy")


def _backend(account_id: str, region: str):
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region]


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


class StackSnsSubscription(DeclaredModel, CloudFormationModel):
    TYPE, GETATT = "AWS::SNS::Subscription", ("Arn",)

    def __init__(self, arn: str) -> None:
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs) -> "StackSnsSubscription":
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"],
                                         properties["Protocol"])
        for name in ATTRIBUTES:
            if properties.get(name) is not None:
                backend.set_subscription_attributes(subscription.arn, name,
                                                    _attribute_value(properties[name]))
        return cls(subscription.arn)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        # Endpoint, Protocol and TopicArn require replacement; the attributes do not, but
        # re-subscribing with the new attributes has the same effect here.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                   account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name) -> None:
        _backend(account_id, region_name).unsubscribe(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).unsubscribe(self.arn)
