"""Lambda active tracing: Lambda traces each invocation and runs the X-Ray daemon.

moto stores TracingConfig and does nothing with it (and ignores it on
UpdateFunctionConfiguration). This patch starts the "xray-daemon" component (UDP, the
daemon protocol) and hands it to the Lambda runtime, which then gives every invocation of
an Active function a sampled trace header, gives workers AWS_XRAY_DAEMON_ADDRESS and
AWS_XRAY_CONTEXT_MISSING, and records the AWS::Lambda and AWS::Lambda::Function segments
(runtime/trace_segments.py). What the X-Ray SDK sends from inside the function reaches
moto's X-Ray backend through the daemon.
"""
from __future__ import annotations

import sys

NAME = "xray_active_tracing"
AWS_BEHAVIOUR = (
    "With active tracing (TracingConfig Mode Active) Lambda samples invocations, records a "
    "segment for the Lambda service (AWS::Lambda) and one for the function "
    "(AWS::Lambda::Function, with an Initialization subsegment on a cold start), runs the "
    "X-Ray daemon and gives the function _X_AMZN_TRACE_ID, AWS_XRAY_DAEMON_ADDRESS and "
    "AWS_XRAY_CONTEXT_MISSING=LOG_ERROR (AWS Lambda Developer Guide: 'Visualize Lambda "
    "function invocations using AWS X-Ray', 'Defined runtime environment variables')."
)


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaFunction

    from labkit.emulator.xray_daemon import XRayDaemon

    daemon = ctx.add_component(XRayDaemon())
    _keep_tracing_config_on_update(LambdaFunction)
    runtime = ctx.find_component("lambda-runtime")
    if runtime is None:   # lambda_runtime disabled: nothing runs, so nothing is traced
        print("labkit xray_active_tracing: no lambda-runtime component, no Lambda traces",
              file=sys.stderr)
        return
    runtime.xray = daemon


def _keep_tracing_config_on_update(function_class) -> None:
    """UpdateFunctionConfiguration's TracingConfig (AWS Lambda API reference) is kept."""
    moto_update = function_class.update_configuration

    def update_configuration(self, config_updates):
        tracing = config_updates.get("TracingConfig")
        if isinstance(tracing, dict) and tracing.get("Mode") in ("Active", "PassThrough"):
            self.tracing_config = {"Mode": tracing["Mode"]}
        return moto_update(self, config_updates)

    function_class.update_configuration = update_configuration
