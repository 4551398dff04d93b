"""Lambda publishes AWS/Lambda metrics: Invocations, Errors, Throttles, Duration, ConcurrentExecutions.

moto publishes no Lambda metrics at all, so dashboards and alarms on a function stay empty.
Our runtime reports every invocation and throttle to its listeners; this patch turns each
report into CloudWatch datapoints in the dimension sets AWS publishes: FunctionName (every
invocation, whatever its qualifier), an account-wide series without dimensions, and for an
invocation through an alias or a version also FunctionName + Resource ("fn:alias",
"fn:3"); through a weighted alias also FunctionName + Resource + ExecutedVersion, the
version that ran. Each set is its own metric (GetMetricStatistics matches a set exactly:
patch cloudwatch_exact_dimensions), so the FunctionName series still counts each
invocation once. ConcurrentExecutions goes to FunctionName and the account only: the
runtime counts executions in flight per function, and a function-wide count would overstate
an alias's.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

NAME = "lambda_metrics"
AWS_BEHAVIOUR = (
    "Lambda sends metrics to CloudWatch in namespace AWS/Lambda: Invocations (the number of "
    "times the function code is invoked, including errors; throttled requests are not "
    "counted), Errors (invocations that result in a function error), Throttles, Duration "
    "(milliseconds) and ConcurrentExecutions (Lambda Developer Guide, 'Types of metrics for "
    "Lambda functions'; ConcurrentExecutions: 'Lambda emits this metric for all functions, "
    "versions, and aliases', 'Monitoring concurrency'), by dimension: 'FunctionName - View "
    "aggregate metrics for all versions and aliases of a function', 'Resource - View metrics "
    "for a version or alias of a function', 'ExecutedVersion - View metrics for a combination "
    "of alias and version. Use the ExecutedVersion dimension to compare error rates for two "
    "versions of a function that are both targets of a weighted alias', and none: 'aggregate "
    "metrics for all functions' (Lambda Developer Guide, 'View metrics for Lambda functions', "
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html)."
)

NAMESPACE = "AWS/Lambda"


def dimension_sets(report: dict) -> list[list[dict]]:
    """The dimension sets one invocation (or throttle) is published under."""
    name = report["function_name"]
    by_function = [{"Name": "FunctionName", "Value": name}]
    qualifier = report.get("qualifier")
    if not qualifier or qualifier.upper() == "$LATEST":   # unqualified: the function's own
        return [by_function, []]
    by_resource = by_function + [{"Name": "Resource", "Value": f"{name}:{qualifier}"}]
    if not report.get("weighted_alias"):
        return [by_function, [], by_resource]
    return [by_function, [], by_resource,
            by_resource + [{"Name": "ExecutedVersion", "Value": report["version"]}]]


def datapoints(report: dict) -> list[dict]:
    """CloudWatch datums (PutMetricData shape) for one runtime report."""
    # naive UTC, like moto's own timestamps (it compares them with naive query bounds)
    when = datetime.fromtimestamp(report["timestamp"], tz=timezone.utc).replace(tzinfo=None)
    sets = dimension_sets(report)
    if report["throttled"]:
        values = [("Throttles", 1.0, "Count")]
    else:
        values = [("Invocations", 1.0, "Count"),
                  ("Errors", 1.0 if report["error"] else 0.0, "Count"),
                  ("Duration", float(report["duration_ms"]), "Milliseconds")]
    data = [{"MetricName": name, "Value": value, "Unit": unit, "Timestamp": when,
             "Dimensions": dims} for name, value, unit in values for dims in sets]
    if not report["throttled"]:   # the runtime counts executions per function, not per alias
        data += [{"MetricName": "ConcurrentExecutions", "Value": float(report["concurrent"]),
                  "Unit": "Count", "Timestamp": when, "Dimensions": dims} for dims in sets[:2]]
    return data


def apply(ctx) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    from labkit.emulator.runtime.config import DEFAULT_ACCOUNT
    from labkit.emulator.runtime.service import _default_region

    def publish(report: dict) -> None:
        backend = cloudwatch_backends[DEFAULT_ACCOUNT][_default_region()]
        backend.put_metric_data(NAMESPACE, datapoints(report))

    # The runtime is a component added by the lambda_runtime patch. With that patch
    # disabled (to prove its own test) nothing runs, so there is nothing to measure.
    runtime = ctx.find_component("lambda-runtime")
    if runtime is None:
        print("labkit lambda_metrics: no lambda-runtime component, no Lambda metrics",
              file=sys.stderr)
        return
    runtime.add_listener(publish)
