"""Embedded metric format: log lines carrying `_aws.CloudWatchMetrics` become CloudWatch metrics.

Powertools Metrics (lesson 08) prints one EMF JSON line per invocation; on AWS, CloudWatch
Logs extracts the metrics from it. moto stores the line and nothing else. This patch
watches every PutLogEvents (the API and our Lambda runtime both go through moto's logs
backend) and writes the metrics the EMF directives declare.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

NAME = "cloudwatch_emf"
AWS_BEHAVIOUR = (
    "'The CloudWatch embedded metric format allows you to generate custom metrics "
    "asynchronously in the form of logs written to CloudWatch Logs. [...] CloudWatch "
    "automatically extracts the custom metrics so you can visualize and alarm on them.' "
    "The root object's _aws.CloudWatchMetrics lists Namespace, Dimensions (arrays of "
    "dimension-key names) and Metrics (Name, Unit); values are the root members of the same "
    "names (CloudWatch User Guide, 'Specification: Embedded metric format')."
)


def metric_data(document: dict) -> list[tuple[str, list[dict]]]:
    """[(namespace, PutMetricData datums)] declared by one EMF document; [] if it is not EMF."""
    aws = document.get("_aws")
    if not isinstance(aws, dict) or not isinstance(aws.get("CloudWatchMetrics"), list):
        return []
    millis = aws.get("Timestamp")
    when = (datetime.fromtimestamp(millis / 1000, tz=timezone.utc) if isinstance(millis, (int, float))
            else datetime.now(timezone.utc)).replace(tzinfo=None)  # naive UTC, as moto stores
    out = []
    for directive in aws["CloudWatchMetrics"]:
        namespace = directive.get("Namespace")
        if not namespace:
            continue
        dimension_sets = directive.get("Dimensions") or [[]]
        datums = []
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name")
            value = document.get(name)
            values = value if isinstance(value, list) else [value]
            values = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if not name or not values:
                continue  # AWS skips a metric whose value is missing or not a number
            for keys in dimension_sets:
                if any(k not in document for k in keys):
                    continue  # a dimension without a value in the document is not published
                dims = [{"Name": k, "Value": str(document[k])} for k in keys]
                datum = {"MetricName": name, "Dimensions": dims, "Timestamp": when}
                if metric.get("Unit"):
                    datum["Unit"] = metric["Unit"]
                datum.update({"Values": values} if len(values) > 1 else {"Value": values[0]})
                datums.append(datum)
        if datums:
            out.append((namespace, datums))
    return out


def metrics_in_message(message: str) -> list[tuple[str, list[dict]]]:
    text = message.strip()
    if not text.startswith("{") or "_aws" not in text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    return metric_data(document) if isinstance(document, dict) else []


def apply(ctx) -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.logs.models import LogsBackend

    original = LogsBackend.put_log_events

    def put_log_events(self, log_group_name, log_stream_name, log_events):
        result = original(self, log_group_name, log_stream_name, log_events)
        for event in log_events:
            try:
                for namespace, datums in metrics_in_message(str(event.get("message", ""))):
                    cloudwatch_backends[self.account_id][self.region_name].put_metric_data(
                        namespace, datums)
            except Exception as exc:  # a malformed EMF line must not fail the log write
                print(f"labkit cloudwatch_emf: {exc!r}", file=sys.stderr)
        return result

    LogsBackend.put_log_events = put_log_events
