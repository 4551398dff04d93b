"""The integration timeout: 504 (REST) / 503 (HTTP API), and the function still completes
(patch apigateway_integration_timeout)."""
from __future__ import annotations

import time

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.apigateway_helpers import call_json, http_api, rest_api, unique

SLOW_WRITER = """
import json, os, time
import boto3

def handler(event, context):
    time.sleep(2.5)                      # longer than the integration timeout below
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="landed")
    return {"statusCode": 200, "body": "done"}
"""


@pytest.fixture
def slow_writer(aws):
    sqs = aws("sqs")
    queue_url = sqs.create_queue(QueueName=unique("late-writes"))["QueueUrl"]
    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    arn = deploy_function(lam, unique("slow"), SLOW_WRITER, Timeout=30,
                          Environment={"Variables": {"QUEUE_URL": queue_url}})
    return arn, lambda: _messages(sqs, queue_url)


def _messages(sqs, queue_url) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url,
                                     AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_rest_api_answers_504_and_the_function_keeps_running(aws, server, slow_writer):
    """AWS (API Gateway Developer Guide, "Amazon API Gateway quotas": integration timeout
    50 ms - 29 s, set by timeoutInMillis; "Gateway response types for API Gateway":
    INTEGRATION_TIMEOUT, 504): a REST API whose integration outlives its timeout answers 504
    {"message": "Endpoint request timed out"}. The function is not stopped (users report
    the write landing after the 504): its message arrives afterwards."""
    arn, count = slow_writer
    api_id = rest_api(aws("apigateway"), arn, [("/work", "POST")], timeout_ms=1000)
    started = time.monotonic()
    status, doc = call_json(f"{server.url}/restapis/{api_id}/dev/_user_request_/work",
                            method="POST", body=b"{}")
    waited = time.monotonic() - started
    assert (status, doc) == (504, {"message": "Endpoint request timed out"})
    assert waited < 2.4, f"the gateway waited {waited:.1f} s: it should give up after 1 s"
    assert count() == 0                      # not written yet when the client got its 504
    wait_until(count, 30, interval=0.2, what="the slow function's late write")


def test_http_api_answers_503_and_the_function_keeps_running(aws, server, slow_writer):
    """AWS ("Amazon API Gateway quotas": HTTP API integration timeout at most 30 s): an HTTP
    API whose integration times out answers 503 {"message":"Service Unavailable"}. AWS's pages
    do not name that status; it is what users report from real HTTP APIs (e.g. sst issue
    #2232), and what lesson 10 says. The function runs on and its write lands."""
    arn, count = slow_writer
    api_id = http_api(aws("apigatewayv2"), arn, ["$default"], timeout_ms=1000)
    status, doc = call_json(f"{server.url}/_aws/execute-api/{api_id}/go", method="POST")
    assert (status, doc) == (503, {"message": "Service Unavailable"})
    wait_until(count, 30, interval=0.2, what="the slow function's late write")
