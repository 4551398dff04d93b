"""X-Ray's OTLP endpoint: OpenTelemetry spans exported to <server>/v1/traces become traces.

moto has no OTLP endpoint. AWS recommends OpenTelemetry now that the X-Ray SDKs are in
maintenance mode (since 2026-02-25), and X-Ray accepts OTLP spans directly. This patch
serves POST /v1/traces (protobuf ExportTraceServiceRequest), converts the spans
(labkit/emulator/xray_otlp.py) and stores them in moto's X-Ray backend through the same
path as the daemon, so spans that continue a Lambda trace land beside its segments.
"""
from __future__ import annotations

import json

NAME = "xray_otlp_endpoint"
AWS_BEHAVIOUR = (
    "X-Ray accepts OpenTelemetry traces at its OTLP endpoint (HTTP POST to /v1/traces with "
    "an OTLP protobuf ExportTraceServiceRequest) and makes the spans available as X-Ray "
    "segments and subsegments (AWS X-Ray Developer Guide, 'OpenTelemetry Protocol (OTLP) "
    "endpoints'; Amazon CloudWatch User Guide, 'X-Ray OTLP endpoint')."
)
ROUTE = "/v1/traces"


def apply(ctx) -> None:
    from labkit.emulator.xray_daemon import XRayDaemon
    from labkit.emulator.xray_otlp import otlp_traces_app

    # the daemon knows which function's account and region a trace belongs to; with
    # xray_active_tracing disabled there is none: write to the default account/region
    sink = ctx.find_component("xray-daemon") or XRayDaemon()

    def record(documents: list[dict]) -> None:
        by_owner: dict[tuple[str, str], list[str]] = {}
        for document in documents:
            owner = sink.owner_of(document.get("trace_id"))
            by_owner.setdefault(owner, []).append(json.dumps(document))
        for (account, region), batch in by_owner.items():
            sink.record(account, region, batch)

    ctx.add_route(ROUTE, otlp_traces_app(record))
