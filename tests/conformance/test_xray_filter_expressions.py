"""GetTraceSummaries finds traces by FilterExpression (patches xray_filter_expressions,
xray_trace_documents, xray_active_tracing)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

ORDERS = """
import os, time
from aws_lambda_powertools import Tracer

tracer = Tracer(service="orders")

@tracer.capture_lambda_handler
def handler(event, context):
    if "order_id" in event:
        tracer.put_annotation("order_id", event["order_id"])
        tracer.put_annotation("items", event["items"])
    time.sleep(event.get("sleep", 0))
    return os.environ["_X_AMZN_TRACE_ID"].split(";")[0].split("=")[1]
"""


@pytest.fixture(scope="module")
def xray(aws):
    return aws("xray", config=Config(retries={"max_attempts": 0}))


def _matching(xray, expression):
    now = datetime.now(timezone.utc)
    pages = xray.get_paginator("get_trace_summaries").paginate(
        StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=5),
        FilterExpression=expression)
    return {s["Id"] for page in pages for s in page["TraceSummaries"]}


def test_filter_expressions_find_traces_by_annotation_and_response_time(aws, xray):
    """AWS X-Ray Developer Guide, "Use filter expressions": GetTraceSummaries returns the
    traces that match the expression: annotation.key = "value" (annotations the X-Ray SDK
    added), annotation.key > n for a number, responsetime > n (seconds), service("name"),
    combined with AND / OR (AWS X-Ray API Reference, GetTraceSummaries FilterExpression)."""
    lam = aws("lambda")
    name = f"filtered-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, ORDERS, TracingConfig={"Mode": "Active"}, Timeout=30)
    lam.invoke(FunctionName=name, Payload=b"{}")    # a cold start's init counts in responsetime
    tag = uuid.uuid4().hex[:6]
    orders = [(f"{tag}-1", 1, 0), (f"{tag}-2", 5, 0), (f"{tag}-3", 2, 2.5)]
    traces = {}
    for order_id, items, sleep in orders:
        answer = lam.invoke(FunctionName=name, Payload=json.dumps(
            {"order_id": order_id, "items": items, "sleep": sleep}).encode())
        assert "FunctionError" not in answer
        traces[order_id] = json.loads(answer["Payload"].read())
    mine = f'service("{name}") AND annotation.order_id'

    wait_until(lambda: _matching(xray, mine) == set(traces.values()),
               60, what="the three traces with their annotations")
    assert _matching(xray, f'annotation.order_id = "{tag}-2"') == {traces[f"{tag}-2"]}
    assert _matching(xray, f'annotation.order_id = "{tag}-2" OR annotation.order_id = "{tag}-3"') \
        == {traces[f"{tag}-2"], traces[f"{tag}-3"]}
    assert _matching(xray, f"{mine} AND annotation.items > 1") == \
        {traces[f"{tag}-2"], traces[f"{tag}-3"]}
    assert _matching(xray, f"{mine} AND responsetime > 2") == {traces[f"{tag}-3"]}
    assert _matching(xray, f"{mine} and (responsetime > 2 or annotation.items >= 5) and !fault") \
        == {traces[f"{tag}-2"], traces[f"{tag}-3"]}
    assert _matching(xray, f'service(id(name: "{name}", type: "AWS::Lambda::Function")) '
                           f'AND annotation.order_id BEGINSWITH "{tag}"') == set(traces.values())


def test_an_unsupported_filter_keyword_is_refused_by_name(xray):
    """AWS X-Ray API Reference, GetTraceSummaries: an expression X-Ray cannot use answers
    InvalidRequestException; the emulator names the keyword it does not evaluate rather
    than answering with the wrong traces ("Use filter expressions" lists http.status)."""
    now = datetime.now(timezone.utc)
    with pytest.raises(ClientError) as raised:
        xray.get_trace_summaries(StartTime=now - timedelta(minutes=1), EndTime=now,
                                 FilterExpression="http.status = 500")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "http.status" in raised.value.response["Error"]["Message"]
