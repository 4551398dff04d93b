"""One X-Ray trace spans a traced producer, an SQS queue and the consumer function its event
source mapping invokes (patches xray_sqs_trace_header, xray_active_tracing)."""
from __future__ import annotations

import json
import time
import uuid

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.xray_helpers import trace_documents, walk

PRODUCER = """
import os
import boto3
from aws_lambda_powertools import Tracer

tracer = Tracer(service="checkout")   # patches botocore: SDK calls carry X-Amzn-Trace-Id
sqs, sns = boto3.client("sqs"), boto3.client("sns")

@tracer.capture_lambda_handler
def handler(event, context):
    for url in filter(None, os.environ.get("QUEUE_URLS", "").split(",")):
        sqs.send_message(QueueUrl=url, MessageBody="order o-9")
    if os.environ.get("TOPIC_ARN"):
        sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message="order o-10")
    return {"trace": os.environ["_X_AMZN_TRACE_ID"]}
"""

CALLER = """
import json, os
import boto3
from aws_lambda_powertools import Tracer

tracer = Tracer(service="frontend")
lam = boto3.client("lambda")

@tracer.capture_lambda_handler
def handler(event, context):
    answer = lam.invoke(FunctionName=os.environ["CALLEE"], Payload=b"{}")
    return {"trace": os.environ["_X_AMZN_TRACE_ID"], "callee": json.loads(answer["Payload"].read())}
"""

CALLEE = """
import os

def handler(event, context):
    return os.environ["_X_AMZN_TRACE_ID"]
"""

CONSUMER = """
def handler(event, context):
    return None
"""


def _queue(sqs, prefix):
    url = sqs.create_queue(QueueName=f"{prefix}-{uuid.uuid4().hex[:6]}",
                           Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _root(header):
    return dict(part.split("=", 1) for part in header.split(";"))["Root"]


def _invoked(lam, name) -> dict:
    """What the function answered to a synchronous Invoke (no function error allowed)."""
    answer = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    return body


def _under(documents, function, caller) -> bool:
    """Whether the function's AWS::Lambda segment sits under one of the caller's segments or
    subsegments (its call to Lambda, SNS, ...)."""
    [service] = [d for d in documents if d["name"] == function and d.get("origin") == "AWS::Lambda"]
    return service.get("parent_id") in {e["id"] for d in documents if d["name"] == caller
                                        for e in walk(d)}


def test_sqs_carries_the_trace_to_the_consumer_function(aws):
    """AWS (X-Ray Developer Guide, "Amazon SQS and AWS X-Ray"): the X-Ray SDK sends the
    trace header with SendMessage as X-Amzn-Trace-Id; SQS keeps it with the message as the
    AWSTraceHeader message system attribute and "with a Lambda downstream consumer, trace
    context propagation is automatic": the consumer's invocation continues the sender's
    trace, with a consistent trace ID (Lambda Developer Guide, "Using Lambda with Amazon
    SQS": the record's attributes carry AWSTraceHeader)."""
    sqs, lam, xray = aws("sqs"), aws("lambda"), aws("xray")
    mapped_url, mapped_arn = _queue(sqs, "traced-orders")
    inbox_url, _ = _queue(sqs, "traced-inbox")
    producer, consumer = (f"{role}-{uuid.uuid4().hex[:6]}" for role in ("producer", "consumer"))
    deploy_function(lam, consumer, CONSUMER, TracingConfig={"Mode": "Active"}, Timeout=10)
    deploy_function(lam, producer, PRODUCER, TracingConfig={"Mode": "Active"}, Timeout=30,
                    Environment={"Variables": {"QUEUE_URLS": f"{mapped_url},{inbox_url}"}})
    lam.create_event_source_mapping(EventSourceArn=mapped_arn, FunctionName=consumer,
                                    BatchSize=1)

    body = _invoked(lam, producer)
    trace_id = _root(body["trace"])

    [message] = sqs.receive_message(QueueUrl=inbox_url, WaitTimeSeconds=5,
                                    MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"]
    assert _root(message["Attributes"]["AWSTraceHeader"]) == trace_id

    def consumer_under_the_producers_call():
        # the producer's SendMessage subsegment comes from its X-Ray SDK over UDP, apart from
        # the segments Lambda records: wait for the link itself
        documents = trace_documents(xray, trace_id)
        services = [d for d in documents if d["name"] == consumer and d.get("origin") == "AWS::Lambda"]
        ids = {e["id"] for d in documents for e in walk(d)}
        functions = {d["name"] for d in documents if d.get("origin") == "AWS::Lambda::Function"}
        return (functions == {producer, consumer} and len(services) == 1
                and services[0].get("parent_id") in ids)

    wait_until(consumer_under_the_producers_call, 60,
               what="both functions, the consumer under the producer's SQS call, in one trace")


def test_sns_carries_the_trace_to_subscribed_queues(aws):
    """AWS (X-Ray Developer Guide, "Amazon SNS and AWS X-Ray"): Amazon SNS propagates the
    trace header of a traced publisher to the topic's subscribers; an SQS subscriber's
    message carries it as AWSTraceHeader (X-Ray Developer Guide, "Amazon SQS and AWS
    X-Ray")."""
    sqs, sns, lam = aws("sqs"), aws("sns"), aws("lambda")
    url, arn = _queue(sqs, "traced-fanout")
    topic = sns.create_topic(Name=f"traced-topic-{uuid.uuid4().hex[:6]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    producer = f"publisher-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, producer, PRODUCER, TracingConfig={"Mode": "Active"}, Timeout=30,
                    Environment={"Variables": {"TOPIC_ARN": topic}})

    body = _invoked(lam, producer)
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5,
                                    MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"]
    assert _root(message["Attributes"]["AWSTraceHeader"]) == _root(body["trace"])


def test_a_traced_invoke_continues_the_callers_trace_even_in_passthrough(aws):
    """AWS (Lambda API Reference, TracingConfig): "If PassThrough, Lambda will only trace
    the request from an upstream service if it contains a tracing header with
    'sampled=1'"; the invoked function's segments join the caller's trace (Lambda
    Developer Guide, "Visualize Lambda function invocations using AWS X-Ray")."""
    lam, xray = aws("lambda"), aws("xray")
    caller, callee = (f"{role}-{uuid.uuid4().hex[:6]}" for role in ("caller", "callee"))
    deploy_function(lam, callee, CALLEE, Timeout=10)     # PassThrough, the default
    deploy_function(lam, caller, CALLER, TracingConfig={"Mode": "Active"}, Timeout=30,
                    Environment={"Variables": {"CALLEE": callee}})
    body = _invoked(lam, caller)
    trace_id = _root(body["trace"])
    assert _root(body["callee"]) == trace_id and body["callee"].endswith("Sampled=1")

    def callee_under_the_callers_invoke():
        # the caller's Invoke subsegment comes from its X-Ray SDK over UDP, apart from (and
        # maybe after) the segments Lambda records: wait for the link, not just both functions
        documents = trace_documents(xray, trace_id)
        names = {d["name"] for d in documents if d.get("origin") == "AWS::Lambda::Function"}
        if names != {caller, callee}:
            return None
        return _under(documents, callee, caller)

    wait_until(callee_under_the_callers_invoke, 30,
               what="the callee's segment under the caller's Invoke subsegment, in one trace")


def test_sns_carries_the_trace_to_subscribed_functions(aws):
    """AWS (X-Ray Developer Guide, "Amazon SNS and AWS X-Ray"): Amazon SNS propagates the
    trace header of a traced publisher to its subscribers, AWS Lambda among them ("Trace
    context propagation"); the subscribed function's invocation continues the publisher's
    trace, so one trace id covers both functions."""
    sns, lam, xray = aws("sns"), aws("lambda"), aws("xray")
    topic = sns.create_topic(Name=f"traced-lambda-topic-{uuid.uuid4().hex[:6]}")["TopicArn"]
    publisher, subscriber = (f"{role}-{uuid.uuid4().hex[:6]}" for role in ("publisher", "subscriber"))
    subscriber_arn = deploy_function(lam, subscriber, CONSUMER, TracingConfig={"Mode": "Active"},
                                     Timeout=10)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=subscriber_arn)
    deploy_function(lam, publisher, PRODUCER, TracingConfig={"Mode": "Active"}, Timeout=30,
                    Environment={"Variables": {"TOPIC_ARN": topic}})

    body = _invoked(lam, publisher)
    trace_id = _root(body["trace"])

    def both_functions():
        documents = trace_documents(xray, trace_id)
        names = {d["name"] for d in documents if d.get("origin") == "AWS::Lambda::Function"}
        return names == {publisher, subscriber} and documents

    documents = wait_until(both_functions, 60, what="publisher and subscriber in one trace")
    assert _under(documents, subscriber, publisher)   # under the publisher's Publish call


def test_an_asynchronous_invoke_continues_the_callers_trace(aws):
    """AWS (Lambda Developer Guide, "Visualize Lambda function invocations using AWS
    X-Ray"; X-Ray Developer Guide, "AWS Lambda and AWS X-Ray"): Lambda continues the trace
    of the X-Amzn-Trace-Id header of an Invoke request, for asynchronous invocations
    (InvocationType Event) as for synchronous ones; with PassThrough, a header that says
    Sampled=1 is traced (Lambda API Reference, TracingConfig)."""
    lam, xray = aws("lambda"), aws("xray")
    callee = f"async-callee-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, callee, CALLEE, Timeout=10)     # PassThrough, the default
    trace_id, parent = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}", uuid.uuid4().hex[:16]
    header = f"Root={trace_id};Parent={parent};Sampled=1"

    def add_trace_header(request, **_):
        request.headers["X-Amzn-Trace-Id"] = header

    lam.meta.events.register("before-sign.lambda.Invoke", add_trace_header)
    answer = lam.invoke(FunctionName=callee, InvocationType="Event", Payload=b"{}")
    assert answer["StatusCode"] == 202

    def callee_segments():
        documents = trace_documents(xray, trace_id)
        return len([d for d in documents if d.get("name") == callee]) >= 2 and documents

    documents = wait_until(callee_segments, 60, what="the async invocation in the caller's trace")
    [service] = [d for d in documents if d.get("origin") == "AWS::Lambda"]
    assert service["parent_id"] == parent
