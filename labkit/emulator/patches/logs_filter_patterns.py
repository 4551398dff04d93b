"""CloudWatch Logs filter patterns, as documented: FilterLogEvents, Live Tail and metric filters.

moto treats every pattern it does not know (any JSON or space-delimited pattern, ?terms,
-exclusions) as "match everything", and its metric filters never produce a metric. This patch
puts labkit's grammar (labkit/emulator/logs_patterns.py) where moto matches messages, answers
an invalid pattern with AWS's InvalidParameterException, adds TestMetricFilter, and makes each
metric filter publish its metric into moto's CloudWatch backend for every log event ingested
(PutLogEvents and the Lambda runtime's own writes both end in moto's LogStream.put_log_events),
so that alarms (patch cloudwatch_alarms) can watch it.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from labkit.emulator.logs_pattern_syntax import as_number, as_text
from labkit.emulator.logs_patterns import Match, Pattern, PatternError, compile_pattern

NAME = "logs_filter_patterns"
AWS_BEHAVIOUR = (
    "'Filter patterns make up the syntax that metric filters, subscription filters, log event "
    "filters, and Live Tail use to match terms in log events': terms, exact phrases, ?OR terms, "
    "-exclusions, JSON patterns ({ $.field = value }, numeric comparisons, &&, ||, (), IS NULL, "
    "NOT EXISTS, IS TRUE/FALSE, [N] indexes, * wildcards) and space-delimited patterns "
    "([ip, user, ..., status=4*, bytes > 1000]) (CloudWatch Logs User Guide, 'Filter pattern "
    "syntax for metric filters, subscription filters, filter log events, and Live Tail'). "
    "PutMetricFilter: 'With metric filters, you can configure rules to extract metric data "
    "from log events ingested through PutLogEvents'; MetricTransformation.defaultValue: 'The "
    "value to emit when a filter pattern does not match a log event' (CloudWatch Logs API "
    "Reference, PutMetricFilter, MetricTransformation)."
)


def apply(ctx) -> None:
    from moto.logs import models
    from moto.logs.responses import LogsResponse

    class PatternFilter:
        """Stands in for moto's EventMessageFilter (FilterLogEvents and StartLiveTail)."""

        def __init__(self, pattern: str | None):
            self.pattern = compiled(pattern, "Invalid filter pattern")

        def matches(self, message: str) -> bool:
            return self.pattern.matches(message)

    moto_filter = models.LogsBackend.filter_log_events
    moto_put_filter = models.LogsBackend.put_metric_filter
    moto_put_events = models.LogStream.put_log_events

    def filter_log_events(self, log_group_name, log_stream_names, start_time, end_time, limit,
                          next_token, filter_pattern, interleaved):
        compiled(filter_pattern, "Invalid filter pattern")  # even when no event is in range
        return moto_filter(self, log_group_name, log_stream_names, start_time, end_time, limit,
                           next_token, filter_pattern, interleaved)

    def put_metric_filter(self, filter_name, filter_pattern, log_group_name,
                          metric_transformations):
        pattern = compiled(filter_pattern, "Invalid metric filter pattern")
        if pattern.kind not in ("json", "delimited") and any(
                t.get("dimensions") for t in metric_transformations):
            # AWS console: "Dimensions – only applicable for JSON or delimited filter patterns"
            raise _invalid("The specified filter pattern does not support dimensions")
        # AWS: "Creates or updates a metric filter" (moto appended a second copy)
        self.filters.delete_filter(filter_name, log_group_name)
        moto_put_filter(self, filter_name, filter_pattern, log_group_name,
                        metric_transformations)

    def put_log_events(self, log_events):
        token = moto_put_events(self, log_events)
        try:
            publish_metrics(self, log_events)
        except Exception as exc:  # a metric filter must never fail the log write
            print(f"labkit logs_filter_patterns: {exc!r}", file=sys.stderr)
        return token

    models.EventMessageFilter = PatternFilter
    models.LogsBackend.filter_log_events = filter_log_events
    models.LogsBackend.put_metric_filter = put_metric_filter
    models.LogStream.put_log_events = put_log_events
    LogsResponse.test_metric_filter = _test_metric_filter


def _invalid(message: str):
    from moto.logs.exceptions import InvalidParameterException
    return InvalidParameterException(message)


def compiled(text: str | None, what: str) -> Pattern:
    """The pattern, or AWS's InvalidParameterException ('Invalid filter pattern' on
    FilterLogEvents, 'Invalid metric filter pattern' on PutMetricFilter) with our reason."""
    try:
        return compile_pattern(text)
    except PatternError as exc:
        raise _invalid(f"{what}: {exc}") from None


def publish_metrics(stream, log_events: list[dict]) -> None:
    """Each metric filter of the stream's group turns these events into CloudWatch datums."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.logs.models import logs_backends

    backend = logs_backends[stream.account_id][stream.region]
    filters = backend.filters.get_matching_filters(log_group_name=stream.log_group.name)
    for metric_filter in filters:
        pattern = compile_pattern(metric_filter["filterPattern"])
        for transformation in metric_filter["metricTransformations"]:
            datums = [d for event in log_events
                      if (d := datum(pattern, transformation, event)) is not None]
            if datums:
                cloudwatch_backends[stream.account_id][stream.region].put_metric_data(
                    transformation["metricNamespace"], datums)


def datum(pattern: Pattern, transformation: dict, event: dict) -> dict | None:
    """The PutMetricData datum one log event gives, or None (no match and no defaultValue,
    a metricValue or dimension field the event does not have)."""
    found = pattern.match(str(event.get("message", "")))
    dimensions = []
    if found is None:
        default = transformation.get("defaultValue")
        if default is None:
            return None  # AWS: "If you don't specify a Default Value, then no data is reported"
        value = float(default)
    else:
        value = _resolve_number(transformation.get("metricValue", "1"), found)
        if value is None:
            return None
        for name, reference in (transformation.get("dimensions") or {}).items():
            field = found.value(reference) if reference.startswith("$") else reference
            if field is None:
                return None
            dimensions.append({"Name": name, "Value": as_text(field)})
    when = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc)
    out = {"MetricName": transformation["metricName"], "Value": value,
           "Dimensions": dimensions, "Timestamp": when.replace(tzinfo=None)}  # naive UTC, as moto
    if transformation.get("unit"):
        out["Unit"] = transformation["unit"]
    return out


def _resolve_number(metric_value, found: Match) -> float | None:
    # AWS: metricValue is a number ("1") or a field of the event: "$.latency" (JSON) or
    # "$bytes" (space-delimited), "Publishing numerical values found in log entries"
    text = str(metric_value)
    return as_number(found.value(text)) if text.startswith("$") else as_number(text)


def _test_metric_filter(self) -> str:
    """TestMetricFilter: 'Tests the filter pattern of a metric filter against a sample of log
    event messages' -> matches [{eventNumber, eventMessage, extractedValues}] (API Reference)."""
    pattern = compiled(self._get_param("filterPattern"), "Invalid metric filter pattern")
    matches = []
    for number, message in enumerate(self._get_param("logEventMessages") or [], start=1):
        found = pattern.match(message)
        if found is not None:
            matches.append({"eventNumber": number, "eventMessage": message,
                            "extractedValues": found.extracted})
    return json.dumps({"matches": matches})
