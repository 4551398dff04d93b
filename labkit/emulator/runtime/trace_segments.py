"""X-Ray for Lambda active tracing: the trace header each invocation gets, and the two
segments Lambda itself records for it.

AWS Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray": with
TracingConfig Mode=Active Lambda samples the invocation, records a segment for the Lambda
service (origin AWS::Lambda) and one for the function (origin AWS::Lambda::Function, with
an Initialization subsegment on a cold start), and hands the code the header
``Root=1-<8 hex time>-<24 hex>;Parent=<function segment id>;Sampled=1`` (the Runtime API's
Lambda-Runtime-Trace-Id, the _X_AMZN_TRACE_ID variable), so that subsegments the X-Ray SDK
sends from inside the function attach to the function segment. A caller's header (an
upstream trace: the SQS AWSTraceHeader, an instrumented Invoke) is continued: same Root.
Segment documents: AWS X-Ray Developer Guide, "X-Ray segment documents".
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

LAMBDA_ORIGIN = "AWS::Lambda"
FUNCTION_ORIGIN = "AWS::Lambda::Function"


class TraceSink(Protocol):
    """Where the runtime sends what it traces (the X-Ray daemon component)."""

    daemon_address: str      # "127.0.0.1:<udp port>" for AWS_XRAY_DAEMON_ADDRESS

    def expect(self, trace_id: str, account: str, region: str) -> None: ...
    def record(self, account: str, region: str, documents: list[str]) -> None: ...


def new_trace_id(now: float | None = None) -> str:
    """X-Ray trace id: version 1, the epoch second in 8 hex digits, 96 random bits."""
    return f"1-{int(now if now is not None else time.time()):08x}-{secrets.token_hex(12)}"


def new_segment_id() -> str:
    return secrets.token_hex(8)


def parse_header(header: str | None) -> dict[str, str]:
    """``Root=1-...;Parent=...;Sampled=1`` -> {"Root": ..., "Parent": ..., "Sampled": ...}."""
    fields = {}
    for part in (header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key:
            fields[key] = value
    return fields


@dataclass
class InvocationTrace:
    """The trace of one invocation: ids Lambda records and the header the code sees."""

    trace_id: str
    lambda_segment_id: str
    function_segment_id: str
    caller_parent: str | None    # the caller's segment, parent of the AWS::Lambda segment
    sampled: bool

    @property
    def header(self) -> str:
        return (f"Root={self.trace_id};Parent={self.function_segment_id};"
                f"Sampled={1 if self.sampled else 0}")


def start_trace(caller_header: str | None, active: bool) -> InvocationTrace:
    """Active: a new trace is sampled (AWS samples 1 request a second and 5% more; we keep
    every one, so a lab always finds its trace), a caller's decision is kept. PassThrough
    only carries the caller's decision on."""
    fields = parse_header(caller_header)
    root = fields.get("Root") or new_trace_id()
    if active:
        sampled = fields.get("Sampled", "1") != "0"
    else:
        sampled = fields.get("Sampled") == "1"
    return InvocationTrace(trace_id=root, lambda_segment_id=new_segment_id(),
                           function_segment_id=new_segment_id(),
                           caller_parent=fields.get("Parent"), sampled=sampled)


def _cause(payload: bytes) -> dict:
    """A function error's cause as X-Ray records it: the error type and message."""
    try:
        error = json.loads(payload)
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        error = {}
    return {"exceptions": [{"id": new_segment_id(),
                            "type": str(error.get("errorType") or "Unhandled"),
                            "message": str(error.get("errorMessage") or "")}]}


def invocation_segments(trace: InvocationTrace, *, function_name: str, function_arn: str,
                        account: str, request_id: str, received: float, ended: float,
                        function_start: float, function_end: float,
                        init: tuple[float, float] | None, error_payload: bytes | None
                        ) -> list[dict]:
    """The AWS::Lambda and AWS::Lambda::Function segments (epoch-second times).

    ``init``: (start, end) of a cold start's INIT phase, recorded as the function segment's
    Initialization subsegment. ``error_payload``: the function error's document, if any.
    Nothing downstream should rely on subsegment names: AWS's newer trace format has no
    Invocation subsegment, and neither do we."""
    service = {
        "id": trace.lambda_segment_id, "trace_id": trace.trace_id, "name": function_name,
        "origin": LAMBDA_ORIGIN, "start_time": received, "end_time": max(received, ended),
        "resource_arn": function_arn,
        "aws": {"request_id": request_id},
        "http": {"response": {"status": 200}},   # Invoke answers 200 even for a function error
    }
    if trace.caller_parent:
        service["parent_id"] = trace.caller_parent
    function = {
        "id": trace.function_segment_id, "trace_id": trace.trace_id, "name": function_name,
        "origin": FUNCTION_ORIGIN, "parent_id": trace.lambda_segment_id,
        "start_time": function_start, "end_time": max(function_start, function_end),
        "resource_arn": function_arn,
        "aws": {"account_id": account, "function_arn": function_arn,
                "resource_names": [function_name]},
    }
    if init is not None:
        function["subsegments"] = [{"id": new_segment_id(), "name": "Initialization",
                                    "start_time": init[0], "end_time": init[1],
                                    "aws": {"function_arn": function_arn}}]
    if error_payload is not None:
        function["fault"] = True       # the function's code failed: a fault of the service
        function["cause"] = _cause(error_payload)
    return [service, function]


def epoch_of(perf: float) -> float:
    """A time.perf_counter() reading as epoch seconds."""
    return time.time() - (time.perf_counter() - perf)


def record_invocation(sink: TraceSink, trace: InvocationTrace, cfg, env, inv, result,
                      received: float, cold: bool) -> None:
    """Record what Lambda traces for invocation ``inv`` (environment.Invocation) run by
    ``env`` (environment.Environment) of function ``cfg`` (config.FunctionConfig)."""
    if not trace.sampled:
        return
    init = None
    if cold and env.init_ms is not None and not env.provisioned:
        init = (env.created_at, env.created_at + env.init_ms / 1000.0)
    if inv.started:
        start, end = epoch_of(inv.started), epoch_of(inv.ended or time.perf_counter())
    else:   # never delivered: INIT failed or timed out
        start = end = init[1] if init else received
    if init is not None:
        start = min(start, init[0])
    error = result.payload if result.function_error else None
    documents = invocation_segments(
        trace, function_name=cfg.name, function_arn=inv.function_arn, account=cfg.account,
        request_id=inv.request_id, received=min(received, start), ended=time.time(),
        function_start=start, function_end=end, init=init, error_payload=error)
    sink.record(cfg.account, cfg.region, [json.dumps(d) for d in documents])
