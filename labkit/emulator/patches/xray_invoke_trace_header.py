"""An Invoke (synchronous or Event) from a traced caller continues the caller's X-Ray trace.

moto ignores the X-Amzn-Trace-Id header of an Invoke request, so the function invoked
from a traced function (whose AWS SDK the X-Ray SDK / Powertools Tracer instrumented)
starts a trace of its own. We note the header while the Invoke API is served and hand it
to the runtime (``dispatch(..., trace_header=...)``), which continues that trace.
An asynchronous (Event) invocation keeps the header in the runtime's queue and continues it too.
"""
from __future__ import annotations

from labkit.emulator.xray_trace_header import ServedTraceHeader

NAME = "xray_invoke_trace_header"
AWS_BEHAVIOUR = (
    "When a traced service or SDK invokes your function, Lambda continues the trace of the "
    "X-Amzn-Trace-Id header it receives: the Lambda segments join the caller's trace, under "
    "the caller's subsegment (AWS Lambda Developer Guide, 'Visualize Lambda function "
    "invocations using AWS X-Ray'; AWS X-Ray Developer Guide, 'Tracing header')."
)

_invoke = ServedTraceHeader()     # the header of the Invoke being served


def apply(ctx) -> None:
    from moto.awslambda.responses import LambdaResponse

    runtime = ctx.find_component("lambda-runtime")
    if runtime is None:
        return   # lambda_runtime disabled: nothing runs, nothing to continue
    LambdaResponse.invoke = _invoke.noted_while(LambdaResponse.invoke)
    _invoke.continued_by(runtime)
