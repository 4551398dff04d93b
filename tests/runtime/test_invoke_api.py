"""The Invoke API runs real handler code and answers like AWS."""
from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.runtime.conftest import invoke, log_messages, wait_for

ECHO = """
import os
def handler(event, context):
    print("got", event)
    return {"event": event, "region": os.environ["AWS_REGION"], "colour": os.environ.get("COLOUR"),
            "name": context.function_name, "request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis()}
"""


def test_handler_runs_and_returns_its_result(lam, deploy):
    """AWS: "When your function is invoked, Lambda runs the handler method" and a synchronous
    Invoke returns the function's response (Lambda Developer Guide, 'Define Lambda function
    handler in Python'; API_Invoke). Function environment variables and AWS_REGION are set."""
    name = deploy(ECHO, Environment={"Variables": {"COLOUR": "green"}}, Timeout=5)
    status, error, payload, _ = invoke(lam, name, {"n": 1})
    assert (status, error) == (200, None)
    assert payload["event"] == {"n": 1}
    assert payload["region"] == "us-east-1" and payload["colour"] == "green"
    assert payload["name"] == name
    assert 0 < payload["remaining_ms"] <= 5000


def test_boto3_inside_handler_reaches_the_emulator(lam, aws, deploy):
    """AWS SDKs in the function use the endpoint of the environment (AWS_ENDPOINT_URL is
    honoured by boto3 >= 1.28, 'Service-specific endpoints' in the SDK reference)."""
    name = deploy("""
import boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    return sqs.create_queue(QueueName=event["queue"])["QueueUrl"]
""", Timeout=30)
    status, error, payload, _ = invoke(lam, name, {"queue": f"q-{name}"})
    assert error is None, payload
    urls = aws("sqs").list_queues(QueueNamePrefix=f"q-{name}").get("QueueUrls", [])
    assert len(urls) == 1 and urls[0].endswith(f"q-{name}")


def test_unhandled_exception_shape(lam, deploy):
    """AWS: if the function raises, Invoke returns 200 with X-Amz-Function-Error: Unhandled
    and a body with errorMessage, errorType and stackTrace (Lambda Developer Guide,
    'AWS Lambda function errors in Python')."""
    name = deploy("""
class OrderRejected(Exception):
    pass
def handler(event, context):
    raise OrderRejected("order 42 rejected")
""")
    status, error, payload, _ = invoke(lam, name)
    assert (status, error) == (200, "Unhandled")
    assert payload["errorType"] == "OrderRejected"
    assert payload["errorMessage"] == "order 42 rejected"
    assert any("raise OrderRejected" in frame for frame in payload["stackTrace"])


def test_log_tail_carries_the_last_4kb_of_the_log(lam, deploy):
    """AWS API_Invoke: LogType Tail "includes the execution log in the response"
    (X-Amz-Log-Result: the last 4 KB of the log, base64)."""
    name = deploy("""
def handler(event, context):
    print("x" * 100)
    print("the end of my output")
    return 1
""")
    status, error, payload, tail = invoke(lam, name)
    assert "the end of my output" in tail
    assert "START RequestId:" in tail and "REPORT RequestId:" in tail
    name_big = deploy("""
def handler(event, context):
    for i in range(200):
        print("line", i, "y" * 60)
    return 1
""")
    _, _, _, tail = invoke(lam, name_big)
    assert len(tail.encode()) <= 4096
    assert "REPORT RequestId:" in tail and "line 0 " not in tail


def test_dry_run_answers_204_without_running(lam, logs, deploy):
    """AWS API_Invoke: InvocationType DryRun "validates parameter values and verifies that
    the user or role has permission to invoke the function" -> 204, nothing runs."""
    name = deploy(ECHO)
    resp = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert resp["StatusCode"] == 204
    assert log_messages(logs, name) == []


def test_event_invocation_answers_202_and_runs_in_background(lam, logs, deploy):
    """AWS: with InvocationType Event "Lambda sends the event to a queue ... returns 202"
    and runs the function asynchronously (Lambda Developer Guide, 'Asynchronous invocation')."""
    name = deploy(ECHO)
    resp = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"bg": True}))
    assert resp["StatusCode"] == 202
    wait_for(lambda: any("got {'bg': True}" in m for m in log_messages(logs, name)),
             what="the async invocation's output in CloudWatch Logs")


def test_request_over_6mb_is_rejected_with_413(lam, deploy):
    """AWS quotas: invocation payload 6 MB for synchronous invokes; larger requests fail with
    RequestEntityTooLargeException (413) (Lambda Developer Guide, 'Lambda quotas')."""
    name = deploy(ECHO)
    big = json.dumps({"blob": "a" * (6 * 1024 * 1024 + 10)})
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=name, Payload=big)
    assert err.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_unserialisable_result_is_a_marshal_error(lam, deploy):
    """AWS: a handler result that cannot be serialised to JSON fails the invocation with
    errorType Runtime.MarshalError ('Unable to marshal response')."""
    name = deploy("""
def handler(event, context):
    return {"when": object()}
""")
    status, error, payload, _ = invoke(lam, name)
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.MarshalError"
    assert "Unable to marshal response" in payload["errorMessage"]


def test_unknown_function_is_404(lam):
    """AWS API_Invoke: ResourceNotFoundException (404) for a function that does not exist."""
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_invoke_request_id_is_the_invocations_request_id(lam, deploy):
    """AWS: one request id per invocation. The Invoke response's x-amzn-RequestId header
    (API_Invoke, "Response Syntax") is that id, the same one the function sees as
    context.aws_request_id ("The identifier of the invocation request", Lambda Developer
    Guide, 'Using the Lambda context object to retrieve Python function information') and
    the one in its "START RequestId: <id>" / "REPORT RequestId: <id>" log lines (observed on
    AWS; issue 4 of this repo's lesson writers)."""
    name = deploy(ECHO)
    resp = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    header = resp["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    payload = json.loads(resp["Payload"].read())
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert header == resp["ResponseMetadata"]["RequestId"] == payload["request_id"]
    assert f"START RequestId: {header} " in tail and f"REPORT RequestId: {header}\t" in tail
    event = lam.invoke(FunctionName=name, Payload=b"{}", InvocationType="Event")
    assert "," not in event["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
