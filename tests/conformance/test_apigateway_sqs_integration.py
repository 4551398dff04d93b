"""SQS SendMessage integrations send the body to a queue (patch apigateway_sqs_integration)."""
from __future__ import annotations

import json

from tests.conformance.apigateway_helpers import REGION, call_json, unique

ACCOUNT = "123456789012"


def _receive(sqs, queue_url) -> list[str]:
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [m["Body"] for m in got.get("Messages", [])]


def test_rest_api_sends_the_body_to_sqs(aws, server):
    """AWS (API Gateway Developer Guide, "Tutorial: Create a REST API as an Amazon SQS
    proxy"): an AWS integration with uri arn:aws:apigateway:{region}:sqs:path/{account}/
    {queue} and the mapping template Action=SendMessage&MessageBody=$input.body sends the
    request body as a message and answers with SQS's SendMessage response."""
    sqs, apigw = aws("sqs"), aws("apigateway")
    queue = unique("orders")
    queue_url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    api_id = apigw.create_rest_api(name=unique("to-sqs"))["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="POST",
                     authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id, resourceId=resource, httpMethod="POST", type="AWS",
        integrationHttpMethod="POST", uri=f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{queue}",
        requestParameters={"integration.request.header.Content-Type":
                           "'application/x-www-form-urlencoded'"},
        requestTemplates={"application/json": "Action=SendMessage&MessageBody=$input.body"})
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    status, doc = call_json(f"{server.url}/restapis/{api_id}/dev/_user_request_/orders",
                            method="POST", body=b'{"order": 1}',
                            headers={"Content-Type": "application/json"})
    assert status == 200
    assert doc["SendMessageResponse"]["SendMessageResult"]["MessageId"]
    assert [json.loads(b) for b in _receive(sqs, queue_url)] == [{"order": 1}]


def test_http_api_sqs_send_message_subtype(aws, server):
    """AWS (API Gateway Developer Guide, "AWS service integration reference",
    SQS-SendMessage): an HTTP API integration with subtype SQS-SendMessage and request
    parameters QueueUrl and MessageBody=$request.body sends the request body to the queue
    and answers 200."""
    sqs, apigw2 = aws("sqs"), aws("apigatewayv2")
    queue_url = sqs.create_queue(QueueName=unique("events"))["QueueUrl"]
    api_id = apigw2.create_api(Name=unique("http-to-sqs"), ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage",
        PayloadFormatVersion="1.0", CredentialsArn=f"arn:aws:iam::{ACCOUNT}:role/apigw-sqs",
        RequestParameters={"QueueUrl": queue_url, "MessageBody": "$request.body"})["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="POST /events", Target=f"integrations/{integration}")
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    status, _ = call_json(f"{server.url}/_aws/execute-api/{api_id}/events", method="POST",
                          body=b"hello queue", headers={"Content-Type": "text/plain"})
    assert status == 200
    assert _receive(sqs, queue_url) == ["hello queue"]
