"""Traces as the X-Ray API returns them, from the documents moto stored.

AWS X-Ray Developer Guide, "X-Ray segment documents" ("Sending subsegments separately"): a
subsegment sent on its own carries ``"type": "subsegment"``, ``trace_id`` and
``parent_id``, and X-Ray puts it under its parent; BatchGetTraces returns segment documents
with their subsegments inside (AWS X-Ray API Reference, BatchGetTraces / Segment).
GetTraceSummaries' TraceSummary (API Reference) carries Duration and ResponseTime in
seconds (doubles), HasError/HasFault/HasThrottle, Annotations (name -> values, each with
the services it came from) and ServiceIds. moto returns every document flat, durations
truncated to whole seconds and no annotations; these functions build the AWS shapes.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

_STREAMED_ONLY = ("type", "parent_id", "trace_id")   # what a nested subsegment does not repeat


def walk(entity: dict) -> Iterator[dict]:
    """A segment or subsegment and all its subsegments, depth first."""
    yield entity
    for sub in entity.get("subsegments") or []:
        yield from walk(sub)


def assemble(documents: list[dict]) -> list[dict]:
    """Segment documents with every separately sent subsegment nested under its parent.
    A subsegment whose parent never arrived stays a document of its own."""
    tops = [d for d in documents if d.get("type") != "subsegment"]
    pending = [d for d in documents if d.get("type") == "subsegment"]
    index = {e["id"]: e for top in tops for e in walk(top) if "id" in e}
    progress = True
    while pending and progress:
        progress, waiting = False, []
        for sub in pending:
            parent = index.get(sub.get("parent_id"))
            if parent is None or parent is sub:
                waiting.append(sub)
                continue
            child = {k: v for k, v in sub.items() if k not in _STREAMED_ONLY}
            children = parent.setdefault("subsegments", [])
            same = [i for i, c in enumerate(children) if c.get("id") == child.get("id")]
            if not same:
                children.append(child)
            elif "end_time" in child or "end_time" not in children[same[0]]:
                children[same[0]] = child   # the finished version replaces an in-progress one
            index.update({e["id"]: e for e in walk(child) if "id" in e})
            progress = True
        pending = waiting
    return tops + pending


def trace_documents(raw_documents: list[str]) -> list[dict]:
    documents = []
    for raw in raw_documents:
        try:
            documents.append(json.loads(raw))
        except ValueError:
            continue
    return assemble(documents)


def duration_s(documents: list[dict]) -> float:
    """From the earliest start to the latest end of the trace's segments."""
    starts = [d["start_time"] for d in documents if "start_time" in d]
    ends = [d["end_time"] for d in documents if "end_time" in d]
    return max(0.0, max(ends) - min(starts)) if starts and ends else 0.0


def response_time_s(documents: list[dict]) -> float:
    """The root segment's duration: the one without a parent (else the earliest)."""
    roots = [d for d in documents if not d.get("parent_id")] or documents
    root = min(roots, key=lambda d: d.get("start_time", 0.0), default=None)
    if root is None or "end_time" not in root:
        return 0.0
    return max(0.0, root["end_time"] - root["start_time"])


def _service_id(document: dict) -> dict:
    service = {"Name": document.get("name", ""), "Names": [document.get("name", "")]}
    account = (document.get("aws") or {}).get("account_id")
    if account:
        service["AccountId"] = account
    if document.get("origin"):
        service["Type"] = document["origin"]
    return service


def _annotation_value(value: Any) -> dict:
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if isinstance(value, (int, float)):
        return {"NumberValue": value}
    return {"StringValue": str(value)}


def summary_fields(documents: list[dict]) -> dict[str, Any]:
    """The TraceSummary fields moto leaves out or gets wrong, for one assembled trace."""
    services, annotations = [], {}
    flags = {"error": False, "fault": False, "throttle": False}
    for document in documents:
        service = _service_id(document)
        if service not in services:
            services.append(service)
        for entity in walk(document):
            for flag in flags:
                flags[flag] = flags[flag] or bool(entity.get(flag))
            for key, value in (entity.get("annotations") or {}).items():
                values = annotations.setdefault(key, [])
                entry = {"AnnotationValue": _annotation_value(value), "ServiceIds": [service]}
                if entry not in values:
                    values.append(entry)
    return {"Duration": duration_s(documents), "ResponseTime": response_time_s(documents),
            "HasError": flags["error"], "HasFault": flags["fault"],
            "HasThrottle": flags["throttle"], "IsPartial": False,
            "Annotations": annotations, "ServiceIds": services}
