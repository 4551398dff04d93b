"""Lambda publishes AWS/Lambda metrics: Invocations, Errors, Throttles, Duration, ConcurrentExecutions.

moto publishes no Lambda metrics at all, so dashboards and alarms on a function stay empty.
Our runtime reports every invocation and throttle to its listeners; this patch turns each
report into CloudWatch datapoints, with dimension FunctionName and, as AWS also does, an
account-wide series without dimensions.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

NAME = "lambda_metrics"
AWS_BEHAVIOUR = (
    "Lambda sends metrics to CloudWatch in namespace AWS/Lambda: Invocations (the number of "
    "times the function code is invoked, including errors; throttled requests are not "
    "counted), Errors (invocations that result in a function error), Throttles, Duration "
    "(milliseconds) and ConcurrentExecutions, with dimension FunctionName "
    "(Lambda Developer Guide, 'Types of metrics for Lambda functions')."
)

NAMESPACE = "AWS/Lambda"


def datapoints(report: dict) -> list[dict]:
    """CloudWatch datums (PutMetricData shape) for one runtime report."""
    # naive UTC, like moto's own timestamps (it compares them with naive query bounds)
    when = datetime.fromtimestamp(report["timestamp"], tz=timezone.utc).replace(tzinfo=None)
    if report["throttled"]:
        values = [("Throttles", 1.0, "Count")]
    else:
        values = [("Invocations", 1.0, "Count"),
                  ("Errors", 1.0 if report["error"] else 0.0, "Count"),
                  ("Duration", float(report["duration_ms"]), "Milliseconds"),
                  ("ConcurrentExecutions", float(report["concurrent"]), "Count")]
    by_function = [{"Name": "FunctionName", "Value": report["function_name"]}]
    return [{"MetricName": name, "Value": value, "Unit": unit, "Timestamp": when,
             "Dimensions": dims}
            for name, value, unit in values for dims in (by_function, [])]


def apply(ctx) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    from labkit.emulator.runtime.config import DEFAULT_ACCOUNT
    from labkit.emulator.runtime.service import _default_region

    def publish(report: dict) -> None:
        backend = cloudwatch_backends[DEFAULT_ACCOUNT][_default_region()]
        backend.put_metric_data(NAMESPACE, datapoints(report))

    # The runtime is a component added by the lambda_runtime patch. With that patch
    # disabled (to prove its own test) nothing runs, so there is nothing to measure.
    try:
        runtime = ctx.component("lambda-runtime")
    except KeyError:
        print("labkit lambda_metrics: no lambda-runtime component, no Lambda metrics",
              file=sys.stderr)
        return
    runtime.add_listener(publish)
