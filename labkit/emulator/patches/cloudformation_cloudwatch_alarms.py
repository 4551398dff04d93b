"""AWS::CloudWatch::Alarm in a template creates the alarm (moto skips the type).

The model is in labkit.emulator.cloudformation.cloudwatch_alarms; it creates the alarm
through PutMetricAlarm's backend, so our alarm evaluator (cloudwatch_alarms) evaluates it.
"""
from __future__ import annotations

NAME = "cloudformation_cloudwatch_alarms"
AWS_BEHAVIOUR = (
    "The AWS::CloudWatch::Alarm type specifies an alarm and associates it with the specified "
    "metric; when the alarm changes state it performs its AlarmActions; Ref returns the alarm "
    "name, Fn::GetAtt Arn its ARN (AWS CloudFormation User Guide: 'AWS::CloudWatch::Alarm')."
)


def apply(ctx) -> None:
    from labkit.emulator.cloudformation import cloudwatch_alarms  # noqa: F401 defines the model
    from labkit.emulator.cloudformation.declared_models import list_models_again

    list_models_again()
