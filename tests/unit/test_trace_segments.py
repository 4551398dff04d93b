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


def test_daemon_keeps_every_datagram_while_its_recording_is_held_up():
    """The daemon shares the backend's process: on a busy machine its recording can stall.
    A UDP socket drops what its kernel queue cannot hold while nobody reads, so a daemon that
    read and recorded on one thread lost subsegments (a failed order's fault, run 18's CI).
    Here recording is held for a moment while a burst of documents arrives: none is lost."""
    import os
    import socket
    import uuid

    from labkit.emulator.runtime.environment import XRAY_DAEMON_ENV
    from labkit.emulator.xray_daemon import XRayDaemon
    from labkit.lessons.polling import wait_until

    before = os.environ.get(XRAY_DAEMON_ENV)
    daemon = XRayDaemon(region="eu-west-3")
    daemon.start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    burst = 1500
    try:
        with daemon._lock:      # what recording takes: held, as a busy process would hold it
            for i in range(burst):
                document = json.dumps({
                    "trace_id": f"1-5759e988-{uuid.uuid4().hex[:24]}", "id": uuid.uuid4().hex[:16],
                    "name": f"burst-{i}", "start_time": 1461096053.0, "end_time": 1461096053.5,
                    "annotations": {"padding": "x" * 600}})
                sender.sendto(b'{"format": "json", "version": 1}\n' + document.encode(),
                              ("127.0.0.1", daemon.port))
            wait_until(lambda: daemon.stats["datagrams"] == burst or None, timeout=30,
                       what="the daemon to receive the whole burst")
        wait_until(lambda: daemon.stats["documents"] == burst or None, timeout=60,
                   what="every document to be recorded")
        assert daemon.stats["rejected"] == 0
    finally:
        sender.close()
        daemon.stop()
        if before is not None:
            os.environ[XRAY_DAEMON_ENV] = before
