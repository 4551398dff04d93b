"""X-Ray's BatchGetTraces and GetTraceSummaries answer in AWS's shape.

moto stores each document it is sent and returns them flat: a subsegment the X-Ray SDK
streamed on its own (as it does in Lambda, under the function's facade segment) comes back
as a separate "segment" instead of inside its parent; Duration is truncated to whole
seconds (0 for most traces); TraceSummary has no Annotations or ServiceIds and misspells
IsPartial. We assemble and summarise with labkit/emulator/xray_traces.py. GetTraceSummaries
with a FilterExpression stays as moto has it (InternalFailure "Not implemented yet").
"""
from __future__ import annotations

NAME = "xray_trace_documents"
AWS_BEHAVIOUR = (
    "A subsegment sent separately names its parent_id and trace_id and X-Ray nests it "
    "under that parent; BatchGetTraces returns the trace's segment documents, and each "
    "TraceSummary has Duration and ResponseTime in seconds, Annotations and ServiceIds "
    "(AWS X-Ray Developer Guide, 'X-Ray segment documents'; AWS X-Ray API Reference, "
    "'BatchGetTraces', 'TraceSummary')."
)


def apply(ctx) -> None:
    import json

    from moto.xray.models import SegmentCollection, XRayBackend

    from labkit.emulator.xray_traces import summary_fields, trace_documents

    moto_summary = SegmentCollection.summary

    def summary(self, start_time, end_time, filter_expression=None):
        result = moto_summary(self, start_time, end_time, filter_expression)
        for trace_summary in result["TraceSummaries"]:
            trace_summary.pop("IsParital", None)
            segments = self._traces[trace_summary["Id"]]["segments"]
            trace_summary.update(summary_fields(trace_documents([s.raw for s in segments])))
        return result

    def get_trace_ids(self, trace_ids):
        """moto's lookup (its UnprocessedTraceIds too), with assembled documents."""
        traces, unprocessed = self._segment_collection.get_trace_ids(trace_ids)
        result = {"Traces": [], "UnprocessedTraceIds": unprocessed}
        for trace in traces:
            documents = trace_documents([s.raw for s in trace["segments"]])
            result["Traces"].append({
                "Id": trace["segments"][0].trace_id,
                "Duration": summary_fields(documents)["Duration"],
                "LimitExceeded": False,      # we keep every segment
                "Segments": [{"Id": d.get("id", ""), "Document": json.dumps(d)}
                             for d in documents]})
        return result

    SegmentCollection.summary = summary
    XRayBackend.get_trace_ids = get_trace_ids
