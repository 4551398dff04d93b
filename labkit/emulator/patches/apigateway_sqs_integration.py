"""API Gateway sends the request to an SQS queue (SendMessage service integration).

Without this patch such integrations answer 500. Only the common mapping template form
"Action=SendMessage&MessageBody=$input.body" (or $util.urlEncode($input.body)) is read: the
Velocity Template Language is not emulated.
"""
from __future__ import annotations

from labkit.emulator.apigateway.sqs_integration import SqsIntegration

NAME = "apigateway_sqs_integration"
AWS_BEHAVIOUR = (
    "An API method can integrate directly with Amazon SQS: a REST API's AWS integration "
    "(uri arn:aws:apigateway:{region}:sqs:path/{account}/{queue}, mapping template "
    "Action=SendMessage&MessageBody=$input.body) or an HTTP API's SQS-SendMessage "
    "integration subtype (QueueUrl, MessageBody=$request.body) sends the message and returns "
    "SQS's response without a Lambda function (API Gateway Developer Guide, 'Tutorial: Create "
    "a REST API as an Amazon SQS proxy' and 'AWS service integration reference')."
)


def apply(ctx) -> None:
    door = ctx.find_component("apigateway")
    if door is None:   # apigateway_lambda_proxy disabled: there is no front door to extend
        return
    door.service_integrations["sqs"] = SqsIntegration(ctx.url)
