"""When a Step Functions execution is traced, and in which trace (patch
xray_stepfunctions_trace_header; AWS Step Functions Developer Guide, "Trace Step Functions
request data in AWS X-Ray")."""
from __future__ import annotations

import re

from labkit.emulator.patches.xray_stepfunctions_trace_header import (
    execution_segment,
    execution_trace,
)

CALLER = "Root=1-6b14e085-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


def test_no_trace_without_tracing_or_a_callers_trace_id():
    assert execution_trace(None, tracing_enabled=False) is None


def test_tracing_enabled_starts_a_sampled_trace():
    trace = execution_trace(None, tracing_enabled=True)
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", trace.trace_id)
    assert trace.sampled and trace.parent is None


def test_a_callers_header_is_continued_even_with_tracing_off():
    trace = execution_trace(CALLER, tracing_enabled=False)
    assert (trace.trace_id, trace.parent, trace.sampled) == (
        "1-6b14e085-0123456789abcdef01234567", "53995c3f42cd8ad8", True)
    header = trace.header_for("aaaaaaaaaaaaaaaa")
    assert header == "Root=1-6b14e085-0123456789abcdef01234567;Parent=aaaaaaaaaaaaaaaa;Sampled=1"
    segment = execution_segment(trace, "orders", "arn:aws:states:us-east-1:1:stateMachine:orders")
    assert segment["parent_id"] == "53995c3f42cd8ad8" and segment["name"] == "orders"


def test_a_callers_sampling_decision_is_kept():
    assert not execution_trace(CALLER.replace("Sampled=1", "Sampled=0"), True).sampled


def test_a_root_that_is_no_trace_id_gives_a_new_trace():
    """AWS's own example passes "Root=not enabled;Sampled=0" when the caller is not sampled."""
    trace = execution_trace("Root=not enabled;Sampled=0", tracing_enabled=True)
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", trace.trace_id) and not trace.sampled
