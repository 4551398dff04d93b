"""Traces in the X-Ray API's shape from flat stored documents (xray_traces.py)."""
from __future__ import annotations

from labkit.emulator.xray_traces import assemble, summary_fields

TRACE = "1-5f84c7a1-e4b4a1b5d3c2b1a09f8e7d6c"


def _segment():
    return {"id": "f0", "trace_id": TRACE, "name": "fn", "origin": "AWS::Lambda::Function",
            "start_time": 1.0, "end_time": 3.5, "parent_id": "s0"}


def _streamed(sid, parent, **extra):
    return {"type": "subsegment", "id": sid, "parent_id": parent, "trace_id": TRACE,
            "name": sid, "start_time": 1.5, "end_time": 2.0, **extra}


def test_streamed_subsegments_nest_under_their_parents_in_any_order():
    """AWS X-Ray Developer Guide, "X-Ray segment documents" (sending subsegments
    separately): X-Ray places a subsegment under the parent its parent_id names."""
    documents = assemble([_streamed("inner", "outer"), _segment(),
                          _streamed("outer", "f0", annotations={"order_id": "o-1"})])
    [function] = documents
    [outer] = function["subsegments"]
    assert outer["id"] == "outer" and "type" not in outer and "trace_id" not in outer
    assert [s["id"] for s in outer["subsegments"]] == ["inner"]


def test_a_subsegment_without_its_parent_stays_a_document():
    documents = assemble([_segment(), _streamed("lost", "nowhere")])
    assert [d["id"] for d in documents] == ["f0", "lost"]


def test_the_finished_version_of_a_subsegment_wins():
    in_progress = _streamed("sub", "f0", in_progress=True)
    del in_progress["end_time"]
    [function] = assemble([_segment(), _streamed("sub", "f0"), in_progress])
    assert [s.get("end_time") for s in function["subsegments"]] == [2.0]


def test_summary_has_annotations_float_durations_and_flags():
    """AWS X-Ray API Reference, "TraceSummary": Duration and ResponseTime (seconds, double),
    HasError/HasFault, Annotations (values with ServiceIds), ServiceIds."""
    service = {"id": "s0", "trace_id": TRACE, "name": "fn", "origin": "AWS::Lambda",
               "start_time": 0.5, "end_time": 3.75}
    documents = assemble([service, _segment(),
                          _streamed("sub", "f0", annotations={"n": 3, "ok": True}, fault=True)])
    fields = summary_fields(documents)
    assert fields["Duration"] == 3.25 and fields["ResponseTime"] == 3.25
    assert fields["HasFault"] is True and fields["HasError"] is False
    assert fields["Annotations"]["n"][0]["AnnotationValue"] == {"NumberValue": 3}
    assert fields["Annotations"]["ok"][0]["AnnotationValue"] == {"BooleanValue": True}
    assert {s["Type"] for s in fields["ServiceIds"]} == {"AWS::Lambda", "AWS::Lambda::Function"}
