"""Lambda active tracing records X-Ray traces (patches xray_active_tracing,
xray_trace_documents): Lambda's own segments, and what the X-Ray SDK (through Powertools
Tracer) sends from inside the function, read back with GetTraceSummaries + BatchGetTraces."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.xray_helpers import trace_documents, walk

HEADER = re.compile(r"^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1$")

PLAIN = """
import os

def handler(event, context):
    if event.get("fail"):
        raise ValueError("card declined")
    return {name: os.environ.get(name) for name in
            ("_X_AMZN_TRACE_ID", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING")}
"""

POWERTOOLS = """
import os
from aws_lambda_powertools import Tracer

tracer = Tracer(service="orders")

@tracer.capture_method
def charge(order_id):
    with tracer.provider.in_subsegment("card-network") as subsegment:
        subsegment.put_metadata("amount", 42)
    return order_id

@tracer.capture_lambda_handler
def handler(event, context):
    tracer.put_annotation("order_id", event["order_id"])
    charge(event["order_id"])
    return {"trace": os.environ["_X_AMZN_TRACE_ID"]}
"""


@pytest.fixture(scope="module")
def lam(aws):
    return aws("lambda", config=Config(retries={"max_attempts": 0}))


@pytest.fixture(scope="module")
def xray(aws):
    return aws("xray")


def _invoke(lam, name, event):
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return answer, json.loads(answer["Payload"].read())


def _by_origin(documents, origin):
    return [d for d in documents if d.get("origin") == origin]


def _summary(xray, trace_id):
    now = datetime.now(timezone.utc)
    pages = xray.get_paginator("get_trace_summaries").paginate(
        StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=5))
    return next((s for page in pages for s in page["TraceSummaries"] if s["Id"] == trace_id), None)


def test_active_function_gets_a_sampled_header_and_lambda_records_its_segments(lam, xray):
    """AWS (Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray";
    "Defined runtime environment variables"): with TracingConfig Mode Active Lambda records
    a segment for the Lambda service (AWS::Lambda) and one for the function
    (AWS::Lambda::Function, with an Initialization subsegment on a cold start); the function
    gets _X_AMZN_TRACE_ID (Root=1-<time>-<id>;Parent=<segment>;Sampled=1),
    AWS_XRAY_DAEMON_ADDRESS and AWS_XRAY_CONTEXT_MISSING=LOG_ERROR."""
    name = f"traced-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, PLAIN, TracingConfig={"Mode": "Active"})
    assert lam.get_function_configuration(FunctionName=name)["TracingConfig"]["Mode"] == "Active"

    _, cold = _invoke(lam, name, {})
    match = HEADER.match(cold["_X_AMZN_TRACE_ID"] or "")
    assert match, cold
    trace_id, parent = match.groups()
    assert re.match(r"^127\.0\.0\.1:\d+$", cold["AWS_XRAY_DAEMON_ADDRESS"] or "")
    assert cold["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"

    documents = wait_until(
        lambda: len(trace_documents(xray, trace_id)) >= 2 and trace_documents(xray, trace_id),
        30, what="the trace's two segments")
    [service] = _by_origin(documents, "AWS::Lambda")
    [function] = _by_origin(documents, "AWS::Lambda::Function")
    assert function["id"] == parent                      # the code's Parent is this segment
    assert function["parent_id"] == service["id"]
    assert service["name"] == function["name"] == name
    assert service["start_time"] <= function["start_time"] <= function["end_time"] <= service["end_time"]
    init = [s for s in function.get("subsegments", []) if s["name"] == "Initialization"]
    assert len(init) == 1 and init[0]["end_time"] >= init[0]["start_time"]
    assert not function.get("fault") and not function.get("error")

    _, warm = _invoke(lam, name, {})
    warm_trace, _ = HEADER.match(warm["_X_AMZN_TRACE_ID"]).groups()
    assert warm_trace != trace_id                        # a new trace per invocation
    warm_docs = wait_until(lambda: trace_documents(xray, warm_trace), 30, what="the warm trace")
    [warm_function] = _by_origin(warm_docs, "AWS::Lambda::Function")
    assert not [s for s in warm_function.get("subsegments", []) if s["name"] == "Initialization"]


def test_a_function_error_marks_the_function_segment(lam, xray):
    """AWS (X-Ray Developer Guide, "X-Ray segment documents"): a segment records
    "fault" for a server error with its "cause" (exceptions with type and message); the
    function segment records the error the function's code raised."""
    name = f"traced-fail-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, PLAIN, TracingConfig={"Mode": "Active"})
    answer = lam.invoke(FunctionName=name, Payload=b'{"fail": true}')
    assert answer["FunctionError"] == "Unhandled"
    summary = wait_until(lambda: next((s for s in xray.get_trace_summaries(
        StartTime=datetime.now(timezone.utc) - timedelta(minutes=10),
        EndTime=datetime.now(timezone.utc) + timedelta(minutes=5))["TraceSummaries"]
        if s["HasFault"] and name in [i["Name"] for i in s.get("ServiceIds", [])]), None),
        30, what="a faulted trace of the function")
    [function] = _by_origin(trace_documents(xray, summary["Id"]), "AWS::Lambda::Function")
    assert function["fault"] is True
    [exception] = function["cause"]["exceptions"]
    assert exception["type"] == "ValueError" and exception["message"] == "card declined"


def test_passthrough_function_has_the_daemon_but_records_no_segments(lam, xray):
    """AWS (Lambda Developer Guide, "Defined runtime environment variables"; "Visualize
    Lambda function invocations using AWS X-Ray"): the sandbox sets AWS_XRAY_DAEMON_ADDRESS
    and AWS_XRAY_CONTEXT_MISSING; without active tracing (Mode PassThrough, the default)
    Lambda records no trace of its own for an invocation without a sampled trace header."""
    name = f"untraced-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, PLAIN)
    _, seen = _invoke(lam, name, {})
    assert seen["AWS_XRAY_DAEMON_ADDRESS"] and seen["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert seen["_X_AMZN_TRACE_ID"].endswith("Sampled=0")
    root = seen["_X_AMZN_TRACE_ID"].split(";")[0].removeprefix("Root=")
    assert xray.batch_get_traces(TraceIds=[root])["Traces"] == []


def test_powertools_tracer_subsegments_nest_under_the_function_segment(lam, xray):
    """AWS (X-Ray Developer Guide, "X-Ray segment documents", "Sending subsegments
    separately"; Lambda Developer Guide, "Visualize Lambda function invocations using AWS
    X-Ray"): in Lambda the X-Ray SDK sends subsegments with "type": "subsegment",
    trace_id and parent_id to the daemon, and X-Ray shows them under the function segment
    named by the Parent of the trace header; annotations are indexed for
    GetTraceSummaries, whose TraceSummary lists them (AWS X-Ray API Reference,
    "TraceSummary": Annotations, Duration in seconds)."""
    name = f"powertools-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, POWERTOOLS, TracingConfig={"Mode": "Active"}, Timeout=30)
    answer, body = _invoke(lam, name, {"order_id": "o-17"})
    assert "FunctionError" not in answer, body
    trace_id, parent = HEADER.match(body["trace"]).groups()

    def handler_subsegment():
        documents = trace_documents(xray, trace_id)
        functions = _by_origin(documents, "AWS::Lambda::Function")
        subs = [s for f in functions for s in f.get("subsegments", [])
                if s["name"] == "## handler"]
        return subs and (documents, subs[0])

    documents, handler = wait_until(handler_subsegment, 30, what="## handler under the function")
    assert [d for d in documents if d.get("type") == "subsegment"] == []  # all nested
    assert {d["origin"] for d in documents} == {"AWS::Lambda", "AWS::Lambda::Function"}
    assert handler["annotations"]["order_id"] == "o-17"
    names = [s["name"] for s in walk(handler)]
    assert "## app.charge" in names and "card-network" in names   # Powertools: "## module.name"

    summary = wait_until(lambda: _summary(xray, trace_id), 30, what="the trace's summary")
    assert summary["Annotations"]["order_id"][0]["AnnotationValue"] == {"StringValue": "o-17"}
    assert isinstance(summary["Duration"], float) and summary["Duration"] > 0
    assert summary["HasError"] is False and summary["HasFault"] is False
