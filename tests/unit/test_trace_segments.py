"""The trace header and segments Lambda active tracing records (runtime/trace_segments.py),
and the X-Ray daemon's datagram format (xray_daemon.py)."""
from __future__ import annotations

import json
import re

from labkit.emulator.runtime.trace_segments import (
    invocation_segments, new_trace_id, parse_header, start_trace,
)
from labkit.emulator.xray_daemon import split_datagram


def test_a_new_trace_id_has_the_documented_format():
    """AWS X-Ray Developer Guide, "X-Ray segment documents": trace_id is 1-<8 hex epoch
    seconds>-<24 hex>."""
    assert re.match(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$", new_trace_id())
    assert new_trace_id(0x5f84c7a1).startswith("1-5f84c7a1-")


def test_active_tracing_starts_a_sampled_trace_whose_parent_is_the_function_segment():
    trace = start_trace(None, active=True)
    assert trace.sampled and trace.caller_parent is None
    assert trace.header == f"Root={trace.trace_id};Parent={trace.function_segment_id};Sampled=1"


def test_a_callers_header_is_continued():
    caller = "Root=1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c;Parent=53995c3f42cd8ad8;Sampled=1"
    trace = start_trace(caller, active=True)
    assert trace.trace_id == "1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c"
    assert trace.caller_parent == "53995c3f42cd8ad8"
    assert parse_header(trace.header)["Parent"] == trace.function_segment_id
    assert not start_trace(caller.replace("Sampled=1", "Sampled=0"), active=True).sampled
    assert not start_trace(None, active=False).sampled    # PassThrough never samples itself


def test_segments_link_service_function_and_initialization():
    trace = start_trace("Root=1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c;Parent=aaaaaaaaaaaaaaaa", True)
    service, function = invocation_segments(
        trace, function_name="f", function_arn="arn:aws:lambda:us-east-1:1:function:f",
        account="1", request_id="r", received=10.0, ended=12.0, function_start=10.1,
        function_end=11.5, init=(10.1, 10.6),
        error_payload=json.dumps({"errorType": "KeyError", "errorMessage": "'x'"}).encode())
    assert service["origin"] == "AWS::Lambda" and service["parent_id"] == "aaaaaaaaaaaaaaaa"
    assert function["origin"] == "AWS::Lambda::Function"
    assert function["parent_id"] == service["id"] and function["id"] == trace.function_segment_id
    assert [s["name"] for s in function["subsegments"]] == ["Initialization"]
    assert function["fault"] is True
    assert function["cause"]["exceptions"][0]["type"] == "KeyError"


def test_daemon_datagrams_need_the_protocol_header():
    """AWS X-Ray Developer Guide, "Sending segment documents to the X-Ray daemon": header
    {"format": "json", "version": 1}, a newline, then the document."""
    document = '{"id": "1", "name": "x"}'
    assert split_datagram(b'{"format": "json", "version": 1}\n' + document.encode()) == document
    assert split_datagram(b'{"format":"json","version":1}\n' + document.encode()) == document
    assert split_datagram(document.encode()) is None
    assert split_datagram(b'{"format": "xml", "version": 1}\n' + document.encode()) is None
