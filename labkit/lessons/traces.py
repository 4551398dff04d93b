"""Lesson 08's traces: read X-Ray traces back, lay one out as a waterfall, draw the service
map they add up to, and find the faulted orders by their annotations.

Everything works on the shapes the X-Ray API returns (AWS X-Ray API Reference,
GetTraceSummaries / TraceSummary, BatchGetTraces; AWS X-Ray Developer Guide, "X-Ray segment
documents"): a trace is a list of segment documents, each with ``id``, ``name``,
``start_time``/``end_time`` (epoch seconds), an optional ``parent_id`` (the caller's entity,
possibly in another document), ``origin``, ``fault``/``error``, ``annotations`` and nested
``subsegments``. Nothing here depends on a subsegment's *name*: AWS's newer Lambda trace
format dropped the ``Invocation`` subsegment and renamed others, so the cold start is found
by its place in time (``cold_start_child``), and names are only read for labels.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pandas as pd

CLIENT = "client"             # the caller of a segment without a parent in its trace
DOWNSTREAM = ("aws", "remote")   # subsegment namespaces of calls to another service


def _walk(entity: dict, depth: int = 0, parent: dict | None = None) -> Iterator[tuple[dict, int, dict | None]]:
    yield entity, depth, parent
    for sub in entity.get("subsegments") or []:
        yield from _walk(sub, depth + 1, entity)


# -- reading ------------------------------------------------------------------------------
def _when(value) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


def trace_summaries(xray, since, until=None) -> list[dict]:
    """Every TraceSummary from ``since`` (epoch seconds or datetime) to ``until`` (default:
    a minute from now), all pages."""
    end = _when(until) if until is not None else datetime.now(timezone.utc) + timedelta(minutes=1)
    pages = xray.get_paginator("get_trace_summaries").paginate(StartTime=_when(since), EndTime=end)
    return [summary for page in pages for summary in page["TraceSummaries"]]


def fetch_traces(xray, since, until=None) -> tuple[list[dict], dict[str, list[dict]]]:
    """-> (the summaries of the window, {trace id: its segment documents}). BatchGetTraces
    takes at most 5 ids a call (API Reference)."""
    summaries = trace_summaries(xray, since, until)
    ids = list(dict.fromkeys(s["Id"] for s in summaries))
    traces: dict[str, list[dict]] = {}
    for i in range(0, len(ids), 5):
        for trace in xray.batch_get_traces(TraceIds=ids[i:i + 5])["Traces"]:
            traces[trace["Id"]] = [json.loads(s["Document"]) for s in trace["Segments"]]
    return summaries, traces


def annotation_values(summary: dict, key: str) -> list:
    """The values of annotation ``key`` in a TraceSummary (one trace may hold several: a
    batch of SQS messages handled in one invocation)."""
    values = []
    for entry in (summary.get("Annotations") or {}).get(key, []):
        value = entry["AnnotationValue"]
        values.append(next(iter(value.values())) if value else None)
    return values


def summary_table(summaries: list[dict], keys=("order_id", "correlation_id")) -> pd.DataFrame:
    """One row per trace: response time and duration in ms, fault/error, the services and
    the values of the annotations ``keys``; slowest response first."""
    rows = []
    for s in summaries:
        rows.append({"trace_id": s["Id"], "response_ms": 1000 * float(s.get("ResponseTime") or 0),
                     "duration_ms": 1000 * float(s.get("Duration") or 0),
                     "fault": bool(s.get("HasFault")), "error": bool(s.get("HasError")),
                     "services": sorted({i.get("Name", "") for i in s.get("ServiceIds") or []}),
                     **{key: annotation_values(s, key) for key in keys}})
    columns = ["trace_id", "response_ms", "duration_ms", "fault", "error", "services", *keys]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("response_ms", ascending=False, kind="stable").reset_index(drop=True)


# -- one trace as a timeline ----------------------------------------------------------------
def _tree(trace: list[dict]) -> list[tuple[dict, list]]:
    """The trace's documents as one forest: a segment whose parent_id is an entity of another
    document hangs under that entity (Lambda's segment under the caller's SQS call)."""
    owner = {}
    for document in trace:
        for entity, _, _ in _walk(document):
            if "id" in entity:
                owner[entity["id"]] = document
    children: dict[str, list[dict]] = {}
    roots = []
    for document in sorted(trace, key=lambda d: d.get("start_time", 0.0)):
        parent = document.get("parent_id")
        if parent in owner and owner[parent] is not document:
            children.setdefault(parent, []).append(document)
        else:
            roots.append(document)
    return roots, children


def trace_timeline(trace: list[dict]) -> pd.DataFrame:
    """One row per segment and subsegment, depth-first (a row's children follow it): name,
    kind (origin, namespace or "subsegment"), depth, start_s from the trace's first start,
    duration_ms, fault, error, the entity's annotations, and id/parent_id."""
    roots, children = _tree(trace)
    rows = []

    def visit(entity: dict, depth: int, parent_id: str | None) -> None:
        start, end = entity.get("start_time"), entity.get("end_time", entity.get("start_time"))
        rows.append({"name": entity.get("name", ""),
                     "kind": entity.get("origin") or entity.get("namespace") or "subsegment",
                     "depth": depth, "start": start, "end": end,
                     "fault": bool(entity.get("fault")), "error": bool(entity.get("error")),
                     "annotations": dict(entity.get("annotations") or {}),
                     "id": entity.get("id"), "parent_id": parent_id})
        nested = sorted(entity.get("subsegments") or [], key=lambda e: e.get("start_time", 0.0))
        nested += children.get(entity.get("id"), [])
        for child in sorted(nested, key=lambda e: e.get("start_time", 0.0)):
            visit(child, depth + 1, entity.get("id"))

    for root in roots:
        visit(root, 0, root.get("parent_id"))
    frame = pd.DataFrame(rows, columns=["name", "kind", "depth", "start", "end", "fault", "error",
                                        "annotations", "id", "parent_id"])
    if frame.empty:
        return frame.assign(start_s=[], duration_ms=[])
    origin = frame["start"].min()
    frame["start_s"] = frame["start"] - origin
    frame["duration_ms"] = 1000 * (frame["end"] - frame["start"])
    return frame.drop(columns=["start", "end"])


def cold_start_child(function_segment: dict) -> dict | None:
    """The function segment's child that ran before the handler's work began: a direct
    subsegment that ends before the next one (by start time) starts. A warm invocation has
    none. Found by time, not by name: names differ between Lambda's trace formats."""
    subs = sorted(function_segment.get("subsegments") or [], key=lambda s: s.get("start_time", 0.0))
    for first, then in zip(subs, subs[1:]):
        if first.get("end_time", float("inf")) <= then.get("start_time", 0.0):
            return first
    return None


def function_segments(trace: list[dict], name: str | None = None) -> list[dict]:
    """The trace's AWS::Lambda::Function segments (of function ``name`` only, if given)."""
    return [d for d in trace if d.get("origin") == "AWS::Lambda::Function"
            and (name is None or d.get("name") == name)]


def trace_root(trace: list[dict]) -> str:
    """The name of the segment the trace starts with (the one without a parent)."""
    roots = [d for d in trace if not d.get("parent_id")] or trace
    return min(roots, key=lambda d: d.get("start_time", 0.0)).get("name", "") if roots else ""


def leaves(timeline: pd.DataFrame) -> pd.DataFrame:
    """The rows of a timeline with no row under them: where the time was actually spent."""
    return timeline[~timeline["id"].isin(set(timeline["parent_id"].dropna()))]


def plot_waterfall(ax, timeline: pd.DataFrame, title: str, rename=lambda name: name, xmax=None) -> None:
    """One horizontal bar per row of ``trace_timeline`` on a shared time axis, indented by
    depth, labelled with name and duration; red = fault or error."""
    rows = timeline.reset_index(drop=True)
    for y, row in rows.iterrows():
        failed = row["fault"] or row["error"]
        colour = "tab:red" if failed else ("tab:blue" if row["depth"] == 0 or "AWS::" in str(row["kind"])
                                            else "tab:cyan")
        width = max(row["duration_ms"] / 1000, 1e-4)
        ax.barh(y, width, left=row["start_s"], color=colour, alpha=0.8, height=0.7)
        ax.text(row["start_s"] + width, y, f"  {'  ' * row['depth']}{rename(row['name'])}  "
                f"{row['duration_ms']:.0f} ms", va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, xmax if xmax else max(0.1, 1.6 * float((rows["start_s"] + rows["duration_ms"] / 1000).max())))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("seconds from the trace's first segment")


# -- the service map ------------------------------------------------------------------------
def _faulted(entity: dict) -> bool:
    return any(e.get("fault") or e.get("error") for e, _, _ in _walk(entity))


def service_edges(traces, rename=lambda name: name) -> pd.DataFrame:
    """caller -> callee edges seen in the traces (a list of traces, or {id: trace}), with the
    number of calls and of calls that ended in a fault or error. Nodes are segment names
    (``rename``d), plus a downstream AWS call's subsegment name (SQS, SNS, ...) as a node of
    its own; a segment without a parent in its trace is called by ``client``. Lambda's two
    segments of one function (AWS::Lambda, AWS::Lambda::Function) make one node."""
    calls: dict[tuple[str, str], list[int]] = {}

    def count(caller: str, callee: str, failed: bool) -> None:
        if caller == callee:
            return
        seen = calls.setdefault((caller, callee), [0, 0])
        seen[0] += 1
        seen[1] += int(failed)

    for trace in (traces.values() if isinstance(traces, dict) else traces):
        node_of: dict[str, str] = {}     # entity id -> the node whose call it is part of
        for document in trace:
            for entity, _, parent in _walk(document):
                downstream = parent is not None and entity.get("namespace") in DOWNSTREAM
                node_of[entity.get("id")] = entity["name"] if downstream else rename(document.get("name", ""))
                if downstream:
                    count(rename(document.get("name", "")), entity["name"], _faulted(entity))
        for document in trace:
            parent = document.get("parent_id")
            me = rename(document.get("name", ""))
            if document.get("origin") == "AWS::Lambda::Function" and parent in node_of:
                continue                 # Lambda's own hand-over to the function: the same node
            failed = _faulted(document) or any(
                _faulted(d) for d in trace if d.get("parent_id") == document.get("id"))
            count(node_of.get(parent, CLIENT) if parent in node_of else CLIENT, me, failed)
    rows = [{"caller": a, "callee": b, "calls": n, "errors": e} for (a, b), (n, e) in calls.items()]
    return pd.DataFrame(rows, columns=["caller", "callee", "calls", "errors"])


def plot_service_map(ax, edges: pd.DataFrame, order: list[str] | None = None,
                     functions=()) -> None:
    """Nodes on one row, in ``order`` (the pipeline's), then any other node; one arrow per
    edge labelled "calls (errors)"; an edge that skips nodes arcs over them. ``functions``
    are drawn filled, the other nodes (the client, downstream AWS calls) hollow."""
    nodes = list(order or [])
    for node in [*edges["caller"], *edges["callee"]]:
        if node not in nodes:
            nodes.append(node)
    nodes = [n for n in nodes if n in set(edges["caller"]) | set(edges["callee"])]
    x = {node: i for i, node in enumerate(nodes)}
    for node, i in x.items():
        downstream = node not in functions
        ax.scatter([i], [0], s=1800, color="white" if downstream else "tab:blue",
                   edgecolors="tab:blue", zorder=3)
        ax.text(i, 0, node, ha="center", va="center", fontsize=8, zorder=4,
                color="black" if downstream else "white")
    for row in edges.itertuples():
        a, b = x[row.caller], x[row.callee]
        span = b - a
        rad = 0.0 if abs(span) == 1 else (-0.35 if span > 0 else 0.35)
        colour = "tab:red" if row.errors else "grey"
        ax.annotate("", xy=(b, 0), xytext=(a, 0), arrowprops=dict(
            arrowstyle="-|>", color=colour, shrinkA=22, shrinkB=22, connectionstyle=f"arc3,rad={rad}"))
        height = 0.0 if rad == 0 else abs(span) * 0.18
        label = f"{row.calls}" + (f" ({row.errors} err)" if row.errors else "")
        ax.text((a + b) / 2, 0.08 + height, label, ha="center", fontsize=8, color=colour)
    ax.set_xlim(-0.6, len(nodes) - 0.4)
    ax.set_ylim(-0.5, 0.5 + 0.18 * max(1, len(nodes)))
    ax.axis("off")


# -- the failed orders --------------------------------------------------------------------
def faulted_annotations(traces, keys=("order_id", "correlation_id"), rename=lambda name: name) -> pd.DataFrame:
    """Every faulted (or errored) function segment with the annotations ``keys`` of its
    failed entity, else of the nearest annotated entity above it: one row per failure."""
    rows = []
    for trace_id, trace in (traces.items() if isinstance(traces, dict) else enumerate(traces)):
        for function in function_segments(trace):
            for entity, _, _ in _walk(function):
                if not (entity.get("fault") or entity.get("error")) or entity is function and _has_failed_child(function):
                    continue
                notes = _annotations_above(function, entity)
                if not all(k in notes for k in keys):
                    continue
                rows.append({"trace_id": trace_id, "function": rename(function.get("name", "")),
                             "failed in": entity.get("name", ""), **{k: notes[k] for k in keys}})
    frame = pd.DataFrame(rows, columns=["trace_id", "function", "failed in", *keys])
    return frame.drop_duplicates(subset=["trace_id", "function", *keys]).reset_index(drop=True)


def _has_failed_child(entity: dict) -> bool:
    return any(sub.get("fault") or sub.get("error") for sub in entity.get("subsegments") or [])


def _annotations_above(root: dict, target: dict) -> dict:
    """The annotations of ``target``, completed by those of its ancestors (nearest first)."""
    def path(entity, trail):
        if entity is target:
            return trail + [entity]
        for sub in entity.get("subsegments") or []:
            found = path(sub, trail + [entity])
            if found:
                return found
        return None

    notes: dict = {}
    for entity in reversed(path(root, []) or []):
        for key, value in (entity.get("annotations") or {}).items():
            notes.setdefault(key, value)
    return notes
