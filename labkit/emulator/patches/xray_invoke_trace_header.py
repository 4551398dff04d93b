"""An Invoke (synchronous or Event) from a traced caller continues the caller's X-Ray trace.

moto ignores the X-Amzn-Trace-Id header of an Invoke request, so the function invoked
from a traced function (whose AWS SDK the X-Ray SDK / Powertools Tracer instrumented)
starts a trace of its own. We note the header while the Invoke API is served and hand it
to the runtime (``dispatch(..., trace_header=...)``), which continues that trace.
An asynchronous (Event) invocation keeps the header in the runtime's queue and continues it too.
"""
from __future__ import annotations

import threading

NAME = "xray_invoke_trace_header"
AWS_BEHAVIOUR = (
    "When a traced service or SDK invokes your function, Lambda continues the trace of the "
    "X-Amzn-Trace-Id header it receives: the Lambda segments join the caller's trace, under "
    "the caller's subsegment (AWS Lambda Developer Guide, 'Visualize Lambda function "
    "invocations using AWS X-Ray'; AWS X-Ray Developer Guide, 'Tracing header')."
)

TRACE_HTTP_HEADER = "X-Amzn-Trace-Id"
_invoke = threading.local()


def apply(ctx) -> None:
    import functools

    from moto.awslambda.responses import LambdaResponse

    try:
        runtime = ctx.component("lambda-runtime")
    except KeyError:
        return   # lambda_runtime disabled: nothing runs, nothing to continue
    serve_invoke = LambdaResponse.invoke
    runtime_dispatch = runtime.dispatch

    @functools.wraps(serve_invoke)
    def invoke(self):
        _invoke.header = self.headers.get(TRACE_HTTP_HEADER)
        try:
            return serve_invoke(self)
        finally:
            _invoke.header = None

    @functools.wraps(runtime_dispatch)
    def dispatch(fn, payload, qualifier, invocation_type, request_id=None, *,
                 trace_header=None):
        return runtime_dispatch(fn, payload, qualifier, invocation_type, request_id,
                                trace_header=trace_header or getattr(_invoke, "header", None))

    LambdaResponse.invoke = invoke
    runtime.dispatch = dispatch
