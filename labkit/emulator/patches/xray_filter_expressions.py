"""GetTraceSummaries keeps the traces its FilterExpression matches.

moto answers any FilterExpression with InternalFailure "Not implemented yet". We summarise
every trace of the time range (moto, then xray_trace_documents, which must be applied
first: it adds the Annotations, ResponseTime, ServiceIds the filters read) and keep the
summaries the expression matches (labkit/emulator/xray_filter.py). An expression we do not
evaluate answers InvalidRequestException naming what is not supported.
"""
from __future__ import annotations

NAME = "xray_filter_expressions"
AWS_BEHAVIOUR = (
    "GetTraceSummaries with a FilterExpression returns only the traces that match it: "
    "annotation.key = \"value\", responsetime > 5, duration >= 5 AND duration <= 8, fault, "
    "!error, service(\"name\"), service(id(name: \"name\", type: \"type\")) combined with "
    "AND / OR and parentheses (AWS X-Ray Developer Guide, 'Use filter expressions'; AWS "
    "X-Ray API Reference, 'GetTraceSummaries')."
)


def apply(ctx) -> None:
    from moto.core.exceptions import AWSError
    from moto.xray.models import SegmentCollection

    from labkit.emulator.xray_filter import FilterError, parse

    summarise = SegmentCollection.summary

    def summary(self, start_time, end_time, filter_expression=None):
        if filter_expression is None or not str(filter_expression).strip():
            return summarise(self, start_time, end_time, None)
        try:
            matches = parse(str(filter_expression))
        except FilterError as exc:
            raise AWSError(str(exc), exception_type="InvalidRequestException", status=400)
        result = summarise(self, start_time, end_time, None)
        result["TraceSummaries"] = [s for s in result["TraceSummaries"] if matches(s)]
        return result

    SegmentCollection.summary = summary
