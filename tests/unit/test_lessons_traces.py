"""labkit.lessons.traces on small hand-written X-Ray documents (BatchGetTraces / TraceSummary
shapes, AWS X-Ray API Reference)."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from labkit.lessons import traces  # noqa: E402

T = 1_700_000_000.0


def api_trace(cold: bool, fail_orders: bool = False) -> list[dict]:
    """api (Lambda + function, Tracer's handler, an SQS call) -> orders (its Lambda segment
    under api's SQS subsegment), as BatchGetTraces returns them (nested, one doc each)."""
    function_subs = [{"id": "h1", "name": "## api", "start_time": T + 0.50, "end_time": T + 0.60,
                      "annotations": {"order_id": "o-1", "correlation_id": "c-1"},
                      "subsegments": [{"id": "q1", "name": "SQS", "namespace": "aws",
                                       "start_time": T + 0.55, "end_time": T + 0.58}]}]
    if cold:
        function_subs.insert(0, {"id": "i1", "name": "Init-ish", "start_time": T + 0.02, "end_time": T + 0.45})
    record = {"id": "r1", "name": "accept-order", "start_time": T + 0.72, "end_time": T + 0.74,
              "annotations": {"order_id": "o-1", "correlation_id": "c-1"}}
    if fail_orders:
        record["fault"] = True
    return [
        {"id": "L1", "trace_id": "1-a", "name": "p-api", "origin": "AWS::Lambda",
         "start_time": T, "end_time": T + 0.61},
        {"id": "F1", "trace_id": "1-a", "name": "p-api", "origin": "AWS::Lambda::Function",
         "parent_id": "L1", "start_time": T + 0.02, "end_time": T + 0.60, "subsegments": function_subs},
        {"id": "L2", "trace_id": "1-a", "name": "p-orders", "origin": "AWS::Lambda", "parent_id": "q1",
         "start_time": T + 0.70, "end_time": T + 0.80},
        {"id": "F2", "trace_id": "1-a", "name": "p-orders", "origin": "AWS::Lambda::Function",
         "parent_id": "L2", "start_time": T + 0.71, "end_time": T + 0.79,
         "subsegments": [{"id": "h2", "name": "## orders", "start_time": T + 0.71, "end_time": T + 0.78,
                          "subsegments": [record]}]},
    ]


def fulfil_trace(fail: bool) -> list[dict]:
    handler = {"id": "h3", "name": "## fulfil", "start_time": T + 2.01, "end_time": T + 2.05,
               "annotations": {"order_id": "o-2", "correlation_id": "c-2"}}
    function = {"id": "F3", "name": "p-fulfil", "origin": "AWS::Lambda::Function", "parent_id": "L3",
                "start_time": T + 2.0, "end_time": T + 2.06, "subsegments": [handler]}
    if fail:
        handler["fault"] = function["fault"] = True
    return [{"id": "L3", "name": "p-fulfil", "origin": "AWS::Lambda", "start_time": T + 1.99,
             "end_time": T + 2.07}, function]


def rename(name):
    return name.removeprefix("p-")


def test_timeline_nests_segments_under_the_callers_subsegment_depth_first():
    timeline = traces.trace_timeline(api_trace(cold=True))
    assert list(timeline["name"]) == ["p-api", "p-api", "Init-ish", "## api", "SQS", "p-orders",
                                      "p-orders", "## orders", "accept-order"]
    assert list(timeline["depth"]) == [0, 1, 2, 2, 3, 4, 5, 6, 7]
    assert timeline["start_s"].iloc[0] == 0
    sqs = timeline[timeline["name"] == "SQS"].iloc[0]
    assert abs(sqs["duration_ms"] - 30) < 1e-3 and abs(sqs["start_s"] - 0.55) < 1e-6
    assert timeline.loc[timeline["name"] == "p-orders", "parent_id"].iloc[0] == "q1"


def test_cold_start_child_is_found_by_time_not_by_name():
    [cold] = [d for d in api_trace(cold=True) if d["id"] == "F1"]
    [warm] = [d for d in api_trace(cold=False) if d["id"] == "F1"]
    assert traces.cold_start_child(cold)["name"] == "Init-ish"
    assert traces.cold_start_child(warm) is None
    assert traces.cold_start_child({"subsegments": []}) is None


def test_service_edges_count_calls_and_errors_per_hop():
    trace_set = {"1-a": api_trace(cold=True), "1-b": api_trace(cold=False, fail_orders=True),
                 "1-c": fulfil_trace(fail=True), "1-d": fulfil_trace(fail=False)}
    edges = traces.service_edges(trace_set, rename=rename).set_index(["caller", "callee"])
    assert edges.loc[("client", "api")].tolist() == [2, 0]
    assert edges.loc[("api", "SQS")].tolist() == [2, 0]
    assert edges.loc[("SQS", "orders")].tolist() == [2, 1]     # a faulted record inside orders
    assert edges.loc[("client", "fulfil")].tolist() == [2, 1]   # a new trace: no caller in it
    assert len(edges) == 4


def test_faulted_annotations_take_the_failed_entitys_or_its_parents_ids():
    trace_set = {"1-b": api_trace(cold=False, fail_orders=True), "1-c": fulfil_trace(fail=True),
                 "1-d": fulfil_trace(fail=False), "1-a": api_trace(cold=True)}
    failed = traces.faulted_annotations(trace_set, rename=rename)
    assert sorted(zip(failed["function"], failed["order_id"], failed["correlation_id"])) == [
        ("fulfil", "o-2", "c-2"), ("orders", "o-1", "c-1")]
    assert set(failed["failed in"]) == {"accept-order", "## fulfil"}


def test_summary_table_reads_annotations_and_sorts_by_response_time():
    summaries = [
        {"Id": "1-a", "ResponseTime": 0.2, "Duration": 0.9, "HasFault": False, "HasError": False,
         "ServiceIds": [{"Name": "p-api"}],
         "Annotations": {"order_id": [{"AnnotationValue": {"StringValue": "o-1"}, "ServiceIds": []},
                                      {"AnnotationValue": {"StringValue": "o-3"}, "ServiceIds": []}]}},
        {"Id": "1-b", "ResponseTime": 1.5, "Duration": 1.6, "HasFault": True,
         "Annotations": {"order_id": [{"AnnotationValue": {"StringValue": "o-7"}}]}},
    ]
    table = traces.summary_table(summaries)
    assert list(table["trace_id"]) == ["1-b", "1-a"]
    assert table["response_ms"].iloc[0] == 1500
    assert table["order_id"].tolist() == [["o-7"], ["o-1", "o-3"]]
    assert table["correlation_id"].tolist() == [[], []]


class FakeXRay:
    def __init__(self, trace_set):
        self.trace_set, self.batches = trace_set, []

    def get_paginator(self, name):
        assert name == "get_trace_summaries"
        ids = list(self.trace_set)

        class Pages:
            def paginate(self, StartTime, EndTime):
                assert StartTime < EndTime
                return [{"TraceSummaries": [{"Id": i} for i in ids[:4]]},
                        {"TraceSummaries": [{"Id": i} for i in ids[4:]]}]
        return Pages()

    def batch_get_traces(self, TraceIds):
        assert len(TraceIds) <= 5
        self.batches.append(TraceIds)
        return {"Traces": [{"Id": i, "Segments": [{"Id": d["id"], "Document": json.dumps(d)}
                                                   for d in self.trace_set[i]]} for i in TraceIds]}


def test_fetch_traces_reads_every_page_and_batches_by_five():
    trace_set = {f"1-{i}": fulfil_trace(fail=False) for i in range(7)}
    xray = FakeXRay(trace_set)
    summaries, fetched = traces.fetch_traces(xray, since=T)
    assert len(summaries) == 7 and set(fetched) == set(trace_set)
    assert [len(b) for b in xray.batches] == [5, 2]
    assert fetched["1-3"][1]["origin"] == "AWS::Lambda::Function"


def test_plots_draw_one_bar_per_entity_and_one_arrow_per_edge():
    fig, (top, bottom) = plt.subplots(2)
    timeline = traces.trace_timeline(api_trace(cold=True))
    traces.plot_waterfall(top, timeline, "t", rename=rename)
    assert len(top.patches) == len(timeline)
    edges = traces.service_edges([api_trace(cold=True), fulfil_trace(fail=True)], rename=rename)
    traces.plot_service_map(bottom, edges, order=["client", "api", "SQS", "orders", "fulfil"],
                            functions=("api", "orders", "fulfil"))
    arrows = [c for c in bottom.texts if c.get_text() == ""]
    assert len(arrows) == len(edges)
    assert {t.get_text() for t in bottom.texts} >= {"api", "SQS", "orders", "fulfil", "1 (1 err)"}
    plt.close(fig)


def test_root_function_segments_and_leaves():
    trace = api_trace(cold=True)
    assert traces.trace_root(trace) == "p-api"
    assert [f["id"] for f in traces.function_segments(trace, "p-orders")] == ["F2"]
    assert len(traces.function_segments(trace)) == 2
    assert set(traces.leaves(traces.trace_timeline(trace))["name"]) == {"Init-ish", "accept-order"}
