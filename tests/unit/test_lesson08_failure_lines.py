"""Lesson 08 waits for the failed orders' log lines with ``missing_failure_lines``: it must wait
while a line of a finished invocation is missing, and must stop waiting for a rejection that a
timed-out delivery never wrote (the CI failure of 4084d29: the old count waited for it forever)."""
from __future__ import annotations

import pandas as pd

from labkit.lessons.observability_lesson import EVENT_COLUMNS, missing_failure_lines


def _lines(*rows: tuple[str | None, str, str]) -> pd.DataFrame:
    """(correlation id, request id, function) per line."""
    return pd.DataFrame([{**dict.fromkeys(EVENT_COLUMNS), "correlation_id": c, "request_id": r,
                          "function": f} for c, r, f in rows], columns=EVENT_COLUMNS)


TWO_DELIVERIES = _lines(("o-5", "r1", "orders"), ("o-5", "r2", "orders"))
FULFIL_FAILED = [("o-3", "f1", "fulfil"), (None, "f1", "fulfil")]   # our line, the runtime's


def test_every_line_in_means_nothing_missing():
    errors = _lines(("o-5", "r1", "orders"), ("o-5", "r2", "orders"), *FULFIL_FAILED)
    assert missing_failure_lines(errors, TWO_DELIVERIES, set(), ["o-5"], ["o-3"]) == []


def test_a_rejection_of_a_finished_delivery_is_waited_for():
    errors = _lines(("o-5", "r1", "orders"), *FULFIL_FAILED)
    assert missing_failure_lines(errors, TWO_DELIVERIES, set(), ["o-5"], ["o-3"]) == [
        "o-5: 1 rejection line(s) of 2 expected"]


def test_a_delivery_that_timed_out_is_not_waited_for():
    errors = _lines(("o-5", "r1", "orders"), *FULFIL_FAILED)
    assert missing_failure_lines(errors, TWO_DELIVERIES, {"r2"}, ["o-5"], ["o-3"]) == []


def test_an_order_with_no_rejection_at_all_is_waited_for_even_if_every_delivery_timed_out():
    errors = _lines(*FULFIL_FAILED)
    assert missing_failure_lines(errors, TWO_DELIVERIES, {"r1", "r2"}, ["o-5"], ["o-3"]) == [
        "o-5: 0 rejection line(s) of 1 expected"]


def test_fulfil_failure_waits_for_its_line_and_the_runtime_line_of_the_same_invocation():
    rejected = [("o-5", "r1", "orders"), ("o-5", "r2", "orders")]
    assert missing_failure_lines(_lines(*rejected), TWO_DELIVERIES, set(), ["o-5"], ["o-3"]) == [
        "o-3: no line of fulfil's failure"]
    another_runtime_line = _lines(*rejected, ("o-3", "f1", "fulfil"), (None, "f9", "fulfil"))
    assert missing_failure_lines(another_runtime_line, TWO_DELIVERIES, set(), ["o-5"], ["o-3"]) == [
        "o-3: no runtime error line for request f1"]
    assert missing_failure_lines(another_runtime_line, TWO_DELIVERIES, {"f1"}, ["o-5"], ["o-3"]) == []
