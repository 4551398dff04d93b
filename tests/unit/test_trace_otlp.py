"""OTLP spans as X-Ray documents (xray_otlp.py)."""
from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from labkit.emulator.xray_otlp import request_documents, xray_trace_id

TRACE = bytes.fromhex("5f84c7a1e4b4a1b5d3c2b1a09f8e7d6c")


def _kv(key, value):
    if isinstance(value, list):
        return KeyValue(key=key, value=AnyValue(array_value=ArrayValue(
            values=[AnyValue(string_value=v) for v in value])))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _request(*spans):
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.append(_kv("service.name", "orders"))
    resource_spans.scope_spans.add().spans.extend(spans)
    return request


def test_the_trace_id_keeps_its_32_hex_digits_in_x_ray_form():
    assert xray_trace_id(TRACE) == "1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c"


def test_server_span_is_a_segment_and_children_are_subsegments():
    root = Span(trace_id=TRACE, span_id=bytes.fromhex("00000000000000a1"), name="GET /orders",
                kind=Span.SPAN_KIND_SERVER, start_time_unix_nano=1_000_000_000,
                end_time_unix_nano=1_500_000_000)
    child = Span(trace_id=TRACE, span_id=bytes.fromhex("00000000000000b2"),
                 parent_span_id=root.span_id, name="charge", kind=Span.SPAN_KIND_CLIENT,
                 start_time_unix_nano=1_100_000_000, end_time_unix_nano=1_200_000_000,
                 attributes=[_kv("order_id", "o-1"), _kv("items", 3),
                             _kv("aws.xray.annotations", ["order_id"])],
                 status=Status(code=Status.STATUS_CODE_ERROR))
    child.events.add(name="exception", attributes=[_kv("exception.type", "Timeout"),
                                                   _kv("exception.message", "slow")])
    segment, subsegment = request_documents(_request(root, child))
    assert segment == {"id": "00000000000000a1", "trace_id": "1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c",
                       "name": "orders", "start_time": 1.0, "end_time": 1.5}
    assert subsegment["type"] == "subsegment" and subsegment["parent_id"] == "00000000000000a1"
    assert subsegment["name"] == "charge"
    assert subsegment["annotations"] == {"order_id": "o-1"}
    assert subsegment["metadata"] == {"default": {"items": 3}}
    assert subsegment["fault"] is True
    assert subsegment["cause"]["exceptions"][0]["type"] == "Timeout"
