"""A stack update that changes a function's inline Code.ZipFile deploys the new source.

moto zips inline source when a stack creates the function, but on update hands the plain
source text to UpdateFunctionCode as if it were a base64 zip: the function's code becomes
garbage and every later invoke fails.
"""
from __future__ import annotations

import base64

NAME = "cloudformation_lambda_inline_code"
AWS_BEHAVIOUR = (
    "Code.ZipFile: (Node.js and Python) The source code of your Lambda function. If you "
    "include your function source inline with this parameter, AWS CloudFormation places it "
    "in a file named index and zips it to create a deployment package (AWS CloudFormation "
    "User Guide: AWS::Lambda::Function Code); updating the property updates the function's "
    "code."
)


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaFunction

    moto_update = LambdaFunction.update_from_cloudformation_json.__func__

    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        properties = dict(cloudformation_json["Properties"])
        code = dict(properties.get("Code") or {})
        if isinstance(code.get("ZipFile"), str):
            code["ZipFile"] = base64.b64encode(
                cls._create_zipfile_from_plaintext_code(code["ZipFile"]))
        properties["Code"] = code
        return moto_update(cls, original_resource, new_resource_name,
                           {**cloudformation_json, "Properties": properties},
                           account_id, region_name)

    LambdaFunction.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
