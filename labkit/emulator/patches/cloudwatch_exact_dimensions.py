"""GetMetricStatistics and GetMetricData read the metric with exactly the dimensions asked for.

moto returns every datapoint whose dimensions include the ones asked for (GetMetricStatistics)
or, asked for none, every datapoint of the metric name (GetMetricData): a query by
FunctionName also sums Lambda's FunctionName + Resource and FunctionName + Resource +
ExecutedVersion series (patch lambda_metrics), counting one invocation up to three times,
and a query without dimensions sums every series. On AWS each combination of dimensions is
a metric of its own. GetMetricData requests with a metric math Expression keep moto's
selection (one selection serves all of their queries).
"""
from __future__ import annotations

NAME = "cloudwatch_exact_dimensions"
AWS_BEHAVIOUR = (
    "GetMetricStatistics, Dimensions: 'CloudWatch treats each unique combination of dimensions "
    "as a separate metric. If a specific combination of dimensions was not published, you "
    "can't retrieve statistics for it. You must specify the same dimensions that were used "
    "when the metrics were created.' (Amazon CloudWatch API Reference, GetMetricStatistics; "
    "the Metric of a GetMetricData MetricStat is 'the metric to return, including the metric "
    "name, namespace, and dimensions', API Reference, MetricStat)."
)


def same_metric(datum, namespace: str | None, name: str, dimensions) -> bool:
    """``datum`` (moto's MetricDatumBase) is the metric ``namespace``/``name`` with exactly
    ``dimensions`` ([{"Name", "Value"}]); namespace None: any."""
    return (datum.name == name and (namespace is None or datum.namespace == namespace)
            and len(datum.dimensions) == len(dimensions)
            and {(d.name, d.value) for d in datum.dimensions}
            == {(d["Name"], d.get("Value")) for d in dimensions})


class _Only:
    """A backend view holding the datapoints of one metric: moto's own query code then
    aggregates exactly those (it reads nothing else of its backend)."""

    def __init__(self, data: list):
        self._data = data

    def get_all_metrics(self) -> list:
        return self._data


def apply(ctx) -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    moto_statistics = CloudWatchBackend.get_metric_statistics
    moto_data = CloudWatchBackend.get_metric_data

    def get_metric_statistics(self, namespace, metric_name, start_time, end_time, period,
                              stats, dimensions, unit=None):
        dimensions = dimensions or []
        only = _Only([md for md in self.get_all_metrics()
                      if same_metric(md, namespace, metric_name, dimensions)])
        return moto_statistics(only, namespace, metric_name, start_time, end_time, period,
                               stats, dimensions, unit)

    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        if any("Expression" in query for query in queries):
            return moto_data(self, queries, start_time, end_time, scan_by)
        everything, results = self.get_all_metrics(), []
        for query in queries:
            metric = query["MetricStat"]["Metric"]
            only = _Only([md for md in everything if same_metric(
                md, metric.get("Namespace"), metric["MetricName"],
                metric.get("Dimensions") or [])])
            results += moto_data(only, [query], start_time, end_time, scan_by)
        return results

    CloudWatchBackend.get_metric_statistics = get_metric_statistics
    CloudWatchBackend.get_metric_data = get_metric_data
