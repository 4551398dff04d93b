"""AWS::SNS::Subscription in a template subscribes the endpoint (moto skips the type).

Without it a template's subscription, and SAM's SNS event source, silently do nothing. The
model is in labkit.emulator.cloudformation.sns_subscriptions.
"""
from __future__ import annotations

NAME = "cloudformation_sns_subscriptions"
AWS_BEHAVIOUR = (
    "The AWS::SNS::Subscription resource subscribes an endpoint to an Amazon SNS topic; for "
    "a subscription to be created, the owner of the endpoint must confirm it (automatic for "
    "Lambda and for SQS queues in the same account); Ref returns the subscription ARN "
    "(AWS CloudFormation User Guide: 'AWS::SNS::Subscription')."
)


def apply(ctx) -> None:
    from labkit.emulator.cloudformation import sns_subscriptions  # noqa: F401 defines the model
    from labkit.emulator.cloudformation.declared_models import list_models_again

    list_models_again()
