"""A deployed API answers at its invoke URL, and a Lambda proxy integration runs the function.

moto stores REST and HTTP APIs but serves none of them. The "apigateway" component
(labkit/emulator/apigateway/) answers, path-style as LocalStack does:
  {server}/restapis/{api_id}/{stage}/_user_request_/{path}   (REST APIs)
  {server}/_aws/execute-api/{api_id}/{stage}/{path}          (REST and HTTP APIs)
"""
from __future__ import annotations

from labkit.emulator.apigateway import invoke_url
from labkit.emulator.apigateway.front_door import ApiGatewayFrontDoor

NAME = "apigateway_lambda_proxy"
AWS_BEHAVIOUR = (
    "With the Lambda proxy integration, API Gateway maps the entire client request to the "
    "input event of the backend Lambda function (resource, path, httpMethod, headers, "
    "queryStringParameters, pathParameters, stageVariables, requestContext, body, "
    "isBase64Encoded) and maps the function's output {statusCode, headers, body} to the HTTP "
    "response; if the function returns an error or a response in the wrong format, API "
    "Gateway returns 502 Internal server error (API Gateway Developer Guide, 'Lambda proxy "
    "integrations in API Gateway'; HTTP APIs, payload formats 1.0 and 2.0: 'Create AWS Lambda "
    "proxy integrations for HTTP APIs in API Gateway'; Lambda Developer Guide, 'Handling "
    "Lambda errors with an API Gateway API')."
)


def apply(ctx) -> None:
    door = ctx.add_component(ApiGatewayFrontDoor(lambda: ctx.component("lambda-runtime")))
    # /restapis/ is moto's control plane too: only the invoke URL's shape is ours
    ctx.add_route(lambda path: invoke_url.parse(path) is not None, door)
