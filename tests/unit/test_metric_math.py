"""CloudWatch metric math expressions (labkit/emulator/metric_math.py), on hand-made series.

A series is {period start: value}; a missing key is a period without a datapoint. The AWS
rules quoted come from the CloudWatch User Guide, "Using math expressions with CloudWatch
metrics" (sections "Metric math syntax and functions" and "Using IF expressions").
"""
from __future__ import annotations

import re

import pytest

from labkit.emulator.metric_math import evaluate

STARTS = [0, 10, 20, 30, 40]


def series(*values):
    """A series over STARTS; None is a period without a datapoint."""
    return {s: float(v) for s, v in zip(STARTS, values) if v is not None}


def run(expression, **ids):
    return evaluate(expression, ids, STARTS)


def test_arithmetic_with_numbers_and_precedence():
    m1 = series(1, 2, 3, None, 5)
    assert run("100 * m1 / 4 + 1", m1=m1) == series(26, 51, 76, None, 126)
    assert run("-(m1 - 1) * 2", m1=m1) == series(0, -2, -4, None, -8)


def test_a_value_missing_in_one_of_two_series_counts_as_zero():
    """AWS: "Missing values in a time series are treated as 0." """
    errors = series(5, None, 0, None, None)
    inv = series(10, 20, 40, None, 0)
    assert run("100 * errors / inv", errors=errors, inv=inv) == series(50, 0, 0, None, None)
    assert run("errors + inv", errors=errors, inv=inv) == series(15, 20, 40, None, 0)


def test_division_by_zero_drops_the_datapoint():
    """AWS: "If the value of a data point causes a function to attempt to divide by zero, the
    data point is dropped." Between two plain numbers it is an error (our simplification)."""
    m1, m2 = series(1, 2, 3, 4, 5), series(1, 0, None, 2, 0)
    assert run("m1 / m2", m1=m1, m2=m2) == series(1, None, None, 2, None)
    assert run("m1 / 0", m1=m1) == {}
    with pytest.raises(ValueError, match="division by zero"):
        run("m1 + 1 / 0", m1=m1)


def test_comparison_and_logical_operators():
    """AWS example: metric1 [30, 20, 0, 0], metric2 [20, -, 20, -]."""
    ids = dict(metric1=series(30, 20, 0, 0), metric2=series(20, None, 20, None))
    assert run("(metric1 < metric2)", **ids) == series(0, 0, 1, 0)
    assert run("(metric1 >= 30)", **ids) == series(1, 0, 0, 0)
    assert run("(metric1 > 15 AND metric2 > 15)", **ids) == series(1, 0, 0, 0)
    assert run("metric1 > 15 && metric2 > 15", **ids) == series(1, 0, 0, 0)
    assert run("metric1 == 0 OR metric2 != 20", **ids) == series(0, 0, 1, 1)
    assert run("metric1 == 0 || metric2 != 20", **ids) == series(0, 0, 1, 1)


def test_if_with_series_follows_the_aws_tables():
    """AWS "Using IF expressions": metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30],
    metric3 [0, 0, 20, -, 20]."""
    ids = dict(metric1=series(1, 1, 0, 0, None), metric2=series(30, None, 0, 0, 30),
               metric3=series(0, 0, 20, None, 20))
    assert run("IF(metric1, metric2, metric3)", **ids) == series(30, 0, 20, None, None)
    assert run("IF(metric1, 5, metric3)", **ids) == series(5, 5, 20, None, None)
    assert run("IF(metric1, metric2, 5)", **ids) == series(30, 0, 5, 5, None)


def test_if_without_else_drops_false_datapoints():
    """AWS: the datapoint "is dropped, if the corresponding data point of metric1 is FALSE and
    ... metric3 is omitted from the expression"."""
    m1 = series(100, 500, None, 300, 800)
    assert run("IF(m1 < 400, m1)", m1=m1) == series(100, None, None, 300, None)
    assert run("IF(1, m1)", m1=m1) == m1
    assert run("IF(0, m1)", m1=m1) == {}


def test_error_rate_of_lesson_08():
    inv, errors = series(10, 0, None, 4, 20), series(5, None, None, None, 1)
    rate = run("IF(inv > 0, 100 * errors / inv, 0)", inv=inv, errors=errors)
    assert rate == series(50, 0, None, 0, 5)


def test_fill_gives_every_period_a_value():
    """AWS: FILL "Fills the missing values of a time series"."""
    m1 = series(1, None, 3, None, None)
    assert run("FILL(m1, 0)", m1=m1) == series(1, 0, 3, 0, 0)
    assert run("FILL(m1, -1) * 2", m1=m1) == series(2, -2, 6, -2, -2)
    assert run("m1 * 2", m1=m1) == series(2, None, 6, None, None)  # without FILL: no datapoints
    inv = series(None, 10, None, None, None)
    assert run("IF(FILL(inv, 0) > 0, 100 * m1 / inv, 0)", inv=inv, m1=m1) == series(0, 0, 0, 0, 0)


def test_an_expression_can_use_another_expressions_id():
    ids = dict(m1=series(1, 2, 3, 4, 5), e1="m1 * 10")
    assert run("e1 + 1", **ids) == series(11, 21, 31, 41, 51)
    with pytest.raises(ValueError, match="depends on itself"):
        run("e2", e2="e3 + 1", e3="e2 * 2")


def test_the_result_must_be_a_time_series():
    """AWS (API Reference, MetricDataQuery): an expression in PutMetricAlarm "must return a
    single time series"."""
    with pytest.raises(ValueError, match="single number"):
        run("1 + 2")


@pytest.mark.parametrize("expression, says", [
    ("__import__('os')", "function __import__ is not supported"),
    ("m1.real", "does not support 'm1.real'"),
    ("m1.__class__", "does not support"),
    ("(lambda: 1)()", "does not support 'lambda'"),
    ("m1 ** 2", "does not support 'm1 ** 2'"),
    ("m1 ^ 2", "does not support"),
    ("m1 % 2", "does not support"),
    ("m1[0]", "does not support"),
    ("'text'", "does not support"),
    ("1 < m1 < 3", "does not support"),
    ("not m1", "does not support 'not'"),
    ("SUM(m1)", "function SUM is not supported"),
    ("METRICS()", "function METRICS is not supported"),
    ("fill(m1, 0)", "function fill is not supported"),
    ("IF(m1)", "IF takes 2 or 3 arguments"),
    ("FILL(m1, 0, 1)", "FILL takes 2 arguments"),
    ("FILL(m1, REPEAT)", "FILL with REPEAT is not supported"),
    ("FILL(2, 0)", "FILL takes a time series and a number"),
    ("m1 +", "not a metric math expression"),
    ("SELECT AVG(x) FROM y", "not a metric math expression"),
    ("nope * 2", "unknown id 'nope'"),
])
def test_unsupported_syntax_is_rejected_by_name(expression, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        run(expression, m1=series(1, 2, 3, 4, 5))
