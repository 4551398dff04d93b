"""Lambda versions and aliases declared in a template exist, with their weighted routing.

moto skips AWS::Lambda::Alias (no model) and its AWS::Lambda::Version answers neither Ref
nor Fn::GetAtt Version, so SAM's AutoPublishAlias and a plain template's weighted alias
fail or vanish. The models are in labkit.emulator.cloudformation.lambda_aliases.
"""
from __future__ import annotations

NAME = "cloudformation_lambda_aliases"
AWS_BEHAVIOUR = (
    "AWS::Lambda::Alias creates an alias for a Lambda function version; RoutingConfig "
    "AdditionalVersionWeights sends a percentage of invocations to a second version; Ref "
    "returns the alias ARN. AWS::Lambda::Version: Ref returns the ARN of the version, "
    "Fn::GetAtt Version returns its version number (AWS CloudFormation User Guide: "
    "'AWS::Lambda::Alias', 'AWS::Lambda::Version')."
)


def apply(ctx) -> None:
    from labkit.emulator.cloudformation import lambda_aliases  # defines the model
    from labkit.emulator.cloudformation.declared_models import list_models_again

    lambda_aliases.give_versions_ref_and_getatt()
    list_models_again()
