"""OpenTelemetry spans exported over OTLP/HTTP become X-Ray traces (patch
xray_otlp_endpoint), beside Lambda's own segments when they continue its trace."""
from __future__ import annotations

import json
import uuid

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.xray_helpers import trace_documents

HANDLER = """
import os
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

provider = TracerProvider(resource=Resource.create({"service.name": "otel-orders"}))
provider.add_span_processor(SimpleSpanProcessor(
    OTLPSpanExporter(endpoint=os.environ["AWS_ENDPOINT_URL"] + "/v1/traces")))
tracer = provider.get_tracer("orders")


def lambda_trace():
    # what an X-Ray propagator does: continue the invocation's trace under the function segment
    fields = dict(part.split("=", 1) for part in os.environ["_X_AMZN_TRACE_ID"].split(";"))
    _, time_part, random_part = fields["Root"].split("-")
    parent = SpanContext(trace_id=int(time_part + random_part, 16), span_id=int(fields["Parent"], 16),
                         is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(parent))


def handler(event, context):
    with tracer.start_as_current_span("process-order", context=lambda_trace(), attributes={
            "order_id": event["order_id"], "items": 3, "aws.xray.annotations": ["order_id"]}):
        with tracer.start_as_current_span("charge", kind=SpanKind.CLIENT):
            pass
    with tracer.start_as_current_span("nightly-report", kind=SpanKind.SERVER) as report:
        standalone = format(report.get_span_context().trace_id, "032x")
    return {"lambda_trace": os.environ["_X_AMZN_TRACE_ID"], "standalone": standalone}
"""


def test_otlp_spans_become_segments_and_subsegments(aws):
    """AWS (X-Ray Developer Guide, "OpenTelemetry Protocol (OTLP) endpoints"; CloudWatch
    User Guide, "X-Ray OTLP endpoint"): X-Ray accepts OTLP/HTTP trace exports at
    /v1/traces and serves the spans as X-Ray trace data: the trace id 1-<8 hex>-<24 hex>
    from the 32-hex OpenTelemetry trace id, a server span as a segment named after the
    service, child spans as subsegments under their parent; attributes named in
    aws.xray.annotations become annotations, the others metadata."""
    lam, xray = aws("lambda"), aws("xray")
    name = f"otel-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER, TracingConfig={"Mode": "Active"}, Timeout=30)
    answer = lam.invoke(FunctionName=name, Payload=b'{"order_id": "o-5"}')
    body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body

    standalone = body["standalone"]
    [report] = wait_until(lambda: trace_documents(xray, f"1-{standalone[:8]}-{standalone[8:]}"),
                          30, what="the standalone OTLP trace")
    assert report["name"] == "otel-orders" and "parent_id" not in report

    lambda_trace = body["lambda_trace"].split(";")[0].removeprefix("Root=")

    def process_order():
        functions = [d for d in trace_documents(xray, lambda_trace)
                     if d.get("origin") == "AWS::Lambda::Function"]
        return next((s for f in functions for s in f.get("subsegments", [])
                     if s["name"] == "process-order"), None)

    subsegment = wait_until(process_order, 30, what="the span under the function segment")
    assert subsegment["annotations"] == {"order_id": "o-5"}
    assert subsegment["metadata"]["default"]["items"] == 3
    assert [s["name"] for s in subsegment.get("subsegments", [])] == ["charge"]
