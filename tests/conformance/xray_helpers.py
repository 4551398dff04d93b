"""Reading X-Ray traces back: a trace's segment documents, and every entity in a segment (the
emulator's own walk, labkit.emulator.xray_traces.walk: a traversal, not what is tested)."""
from __future__ import annotations

import json

from labkit.emulator.xray_traces import walk

__all__ = ["trace_documents", "walk"]


def trace_documents(xray, trace_id: str) -> list[dict]:
    """The segment documents BatchGetTraces holds for the trace so far (none yet: [])."""
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for t in traces for s in t["Segments"]]
