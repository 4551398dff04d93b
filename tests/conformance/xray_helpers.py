"""Reading X-Ray traces back: a trace's segment documents, and every entity in a segment."""
from __future__ import annotations

import json


def trace_documents(xray, trace_id: str) -> list[dict]:
    """The segment documents BatchGetTraces holds for the trace so far (none yet: [])."""
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for t in traces for s in t["Segments"]]


def walk(entity: dict):
    """The segment or subsegment and all its subsegments, depth first."""
    yield entity
    for sub in entity.get("subsegments") or []:
        yield from walk(sub)
