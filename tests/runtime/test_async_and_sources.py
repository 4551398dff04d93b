"""Asynchronous invocation (retries, destinations, DLQ) and the services that invoke Lambda."""
from __future__ import annotations

import json
import uuid

from tests.runtime.conftest import invoke, log_messages, wait_for

FAILING = """
def handler(event, context):
    print("attempt for", event.get("id"))
    raise RuntimeError("downstream unavailable")
"""


def _starts(logs, name) -> int:
    return sum(1 for m in log_messages(logs, name) if m.startswith("START "))


def _queue(aws, prefix):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"{prefix}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def _receive(sqs, url):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                               MessageAttributeNames=["All"]).get("Messages", [])


def test_async_function_error_is_retried_twice_then_sent_to_on_failure(lam, logs, aws, deploy):
    """AWS: "If the function returns an error, Lambda attempts to run it two more times";
    after the last attempt the event goes to the OnFailure destination as an invocation
    record with condition RetriesExhausted (Lambda Developer Guide, 'Asynchronous
    invocation', 'Destinations'). Retry waits are 1 and 2 minutes on AWS, shortened here."""
    name = deploy(FAILING)
    sqs, url, arn = _queue(aws, "onfail")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"id": "e1"}))
    messages = wait_for(lambda: _receive(sqs, url), what="the OnFailure record")
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"id": "e1"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "downstream unavailable"
    assert _starts(logs, name) == 3


def test_maximum_retry_attempts_zero_and_dead_letter_queue(lam, logs, aws, deploy):
    """AWS: MaximumRetryAttempts (0-2) sets how many times a failed async event is retried;
    with a DeadLetterConfig the failed event is sent to the SQS queue with attributes
    RequestID, ErrorCode and ErrorMessage ('Dead-letter queues')."""
    sqs, url, arn = _queue(aws, "dlq")
    name = deploy(FAILING, DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"id": "e2"}))
    messages = wait_for(lambda: _receive(sqs, url), what="the dead-lettered event")
    assert json.loads(messages[0]["Body"]) == {"id": "e2"}
    attributes = messages[0]["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "downstream unavailable"
    assert "RequestID" in attributes and "ErrorCode" in attributes
    assert _starts(logs, name) == 1


def test_sns_invokes_lambda_asynchronously(lam, logs, aws, deploy):
    """AWS: "Amazon SNS invokes your function asynchronously with an event that contains a
    message" (Lambda Developer Guide, 'Using Lambda with Amazon SNS')."""
    name = deploy("def handler(event, context):\n    print('sns says', event['Records'][0]['Sns']['Message'])\n")
    sns = aws("sns")
    topic = sns.create_topic(Name=f"t-{name}")["TopicArn"]
    fn_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
    sns.publish(TopicArn=topic, Message="hello from sns")
    wait_for(lambda: any("sns says hello from sns" in m for m in log_messages(logs, name)),
             what="the SNS-triggered invocation")


def test_dynamodb_stream_invokes_lambda_with_records(lam, logs, aws, deploy):
    """AWS: with a DynamoDB stream event source mapping, Lambda invokes the function with
    batches of stream records (eventName INSERT/MODIFY/REMOVE) ('Using Lambda with DynamoDB')."""
    name = deploy("def handler(event, context):\n    for r in event['Records']:\n        print('stream', r['eventName'], r['dynamodb']['Keys']['pk']['S'])\n")
    ddb = aws("dynamodb")
    table = f"tbl-{name}"
    desc = ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST",
                            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=desc["TableDescription"]["LatestStreamArn"],
                                    StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "k1"}})
    wait_for(lambda: any("stream INSERT k1" in m for m in log_messages(logs, name)),
             what="the stream-triggered invocation")


def test_step_functions_task_invokes_the_real_function(lam, aws, deploy):
    """AWS: a Task state with a Lambda function ARN invokes the function and its result
    becomes the state output (Step Functions Developer Guide, 'Invoke Lambda')."""
    name = deploy("def handler(event, context):\n    return {'doubled': event['x'] * 2}\n")
    fn_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Double", "States": {"Double": {"Type": "Task", "Resource": fn_arn, "End": True}}}
    sm = sfn.create_state_machine(name=f"sm-{name}", definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=sm, name=f"run-{name}", input=json.dumps({"x": 21}))
    done = wait_for(lambda: (d := sfn.describe_execution(executionArn=execution["executionArn"]))
                    ["status"] != "RUNNING" and d, what="the execution to finish")
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"doubled": 42}


def test_json_log_format_and_powertools_inside_a_handler(lam, logs, deploy):
    """AWS: LoggingConfig LogFormat JSON makes the runtime write structured JSON logs with
    the requestId (AWS_LAMBDA_LOG_FORMAT); Powertools for AWS Lambda (Python) works inside
    handlers ('Configuring advanced logging controls')."""
    name = deploy("""
import logging
from aws_lambda_powertools import Logger
plain = logging.getLogger()
logger = Logger(service="orders")
def handler(event, context):
    plain.info("plain record")
    logger.info("powertools record", extra={"order": 7})
    return "ok"
""", LoggingConfig={"LogFormat": "JSON"})
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"]["LogFormat"] == "JSON"
    _, error, payload, _ = invoke(lam, name)
    assert error is None, payload
    messages = wait_for(lambda: (m := log_messages(logs, name)) and any('"platform.report"' in x for x in m) and m)
    records = [json.loads(m) for m in messages if m.startswith("{")]
    plain = [r for r in records if r.get("message") == "plain record"]
    assert plain and plain[0]["level"] == "INFO" and plain[0]["requestId"]
    powertools = [r for r in records if r.get("message") == "powertools record"]
    assert powertools and powertools[0]["service"] == "orders" and powertools[0]["order"] == 7
