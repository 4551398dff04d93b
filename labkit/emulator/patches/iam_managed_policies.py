"""AWS managed policies the lessons attach exist, as they do in every AWS account.

moto loads none of AWS's ~1,300 managed policies unless told to, and loading them all costs
about 1.4 s per IAM backend (measured): so we load only the families a serverless lab uses.
"""
from __future__ import annotations

import functools
import json

NAME = "iam_managed_policies"
AWS_BEHAVIOUR = (
    "AWS managed policies are created and administered by AWS and are available in every "
    "account, e.g. arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole "
    "(IAM User Guide, 'AWS managed policies'; Lambda Developer Guide, 'Lambda execution role')."
)

# Policy-name prefixes a serverless lab may attach to an execution role.
FAMILIES = ("AWSLambda", "AmazonSQS", "AmazonSNS", "AmazonDynamoDB", "AWSStepFunctions",
            "AmazonEventBridge", "CloudWatch", "AWSXray", "AmazonS3", "AWSXRay")


@functools.cache
def _wanted_policy_data() -> dict:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    everything = json.loads(aws_managed_policies_data)
    return {name: d for name, d in everything.items() if name.startswith(FAMILIES)}


def apply(ctx) -> None:
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    def _init_aws_policies(self):
        return [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d)
                for name, d in _wanted_policy_data().items()]

    IAMBackend._init_aws_policies = _init_aws_policies
