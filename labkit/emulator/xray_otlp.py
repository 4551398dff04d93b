"""X-Ray's OTLP endpoint: OpenTelemetry spans in, X-Ray segment documents out.

AWS X-Ray Developer Guide, "OpenTelemetry Protocol (OTLP) endpoints" / CloudWatch "X-Ray
OTLP endpoint": X-Ray accepts OTLP/HTTP trace exports (POST /v1/traces, a protobuf
ExportTraceServiceRequest) and stores the spans as segments, which GetTraceSummaries and
BatchGetTraces then serve. The conversion follows the AWS Distro for OpenTelemetry X-Ray
exporter: the 32-hex trace id becomes ``1-<first 8>-<last 24>``, the span id the segment
id; a SERVER span or a span without a parent is a segment (named after the resource's
service.name), any other span a subsegment of its parent span; an ERROR status is a fault
(an error for HTTP 4xx, a throttle too for 429) with the span's exception events as the
cause; attributes named in the span's ``aws.xray.annotations`` attribute are annotations,
the others metadata (namespace "default").
"""
from __future__ import annotations

import gzip
import sys
from typing import Any, Callable

PROTOBUF = "application/x-protobuf"
SERVER_KIND = 2       # opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
STATUS_ERROR = 2      # Status.StatusCode.STATUS_CODE_ERROR
ANNOTATION_KEYS = "aws.xray.annotations"


def xray_trace_id(otel_trace_id: bytes) -> str:
    hex_id = otel_trace_id.hex()
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


def _value(any_value) -> Any:
    """An OTLP AnyValue as plain Python."""
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in any_value.kvlist_value.values}
    if kind == "bytes_value":
        return any_value.bytes_value.hex()
    return getattr(any_value, kind) if kind else None


def _attributes(key_values) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in key_values}


def _flags(attributes: dict[str, Any], status_code: int) -> dict[str, Any]:
    if status_code != STATUS_ERROR:
        return {}
    status = attributes.get("http.response.status_code", attributes.get("http.status_code"))
    if isinstance(status, int) and 400 <= status < 500:
        return {"error": True, "throttle": True} if status == 429 else {"error": True}
    return {"fault": True}


def _cause(span) -> dict | None:
    exceptions = []
    for event in span.events:
        if event.name == "exception":
            found = _attributes(event.attributes)
            exceptions.append({"id": span.span_id.hex(),
                               "type": str(found.get("exception.type", "")),
                               "message": str(found.get("exception.message", ""))})
    return {"exceptions": exceptions} if exceptions else None


def span_document(span, service_name: str) -> dict[str, Any]:
    """One span as an X-Ray segment or separately sent subsegment document."""
    attributes = _attributes(span.attributes)
    indexed = attributes.pop(ANNOTATION_KEYS, None) or []
    indexed = [indexed] if isinstance(indexed, str) else list(indexed)
    is_segment = span.kind == SERVER_KIND or not span.parent_span_id
    document: dict[str, Any] = {
        "id": span.span_id.hex(), "trace_id": xray_trace_id(span.trace_id),
        "name": (service_name or span.name) if is_segment else span.name,
        "start_time": span.start_time_unix_nano / 1e9,
        "end_time": max(span.start_time_unix_nano, span.end_time_unix_nano) / 1e9,
    }
    if span.parent_span_id:
        document["parent_id"] = span.parent_span_id.hex()
    if not is_segment:
        document["type"] = "subsegment"
    annotations = {k: attributes.pop(k) for k in indexed
                   if isinstance(attributes.get(k), (str, int, float, bool))}
    if annotations:
        document["annotations"] = annotations
    if attributes:
        document["metadata"] = {"default": attributes}
    document.update(_flags(attributes, span.status.code))
    cause = _cause(span)
    if cause and (document.get("fault") or document.get("error")):
        document["cause"] = cause
    return document


def request_documents(request) -> list[dict[str, Any]]:
    """Every span of an ExportTraceServiceRequest as an X-Ray document."""
    documents = []
    for resource_spans in request.resource_spans:
        service = str(_attributes(resource_spans.resource.attributes).get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            documents += [span_document(span, service) for span in scope_spans.spans]
    return documents


def otlp_traces_app(record: Callable[[list[dict[str, Any]]], None]):
    """A WSGI app for POST /v1/traces; ``record(documents)`` stores the converted spans."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    )

    def reply(start_response, status: str, body: bytes, content_type: str = PROTOBUF):
        start_response(status, [("Content-Type", content_type),
                                ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return reply(start_response, "405 Method Not Allowed", b"", "text/plain")
        if not environ.get("CONTENT_TYPE", "").startswith(PROTOBUF):   # OTLP/HTTP JSON: not yet
            return reply(start_response, "415 Unsupported Media Type", b"", "text/plain")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest.FromString(body)
        except Exception:   # a malformed export: OTLP says 400, the client does not retry
            return reply(start_response, "400 Bad Request", b"", "text/plain")
        try:
            record(request_documents(request))
        except Exception as exc:
            print(f"labkit xray-otlp: {exc!r}", file=sys.stderr)
            return reply(start_response, "500 Internal Server Error", b"", "text/plain")
        return reply(start_response, "200 OK", ExportTraceServiceResponse().SerializeToString())

    return app
