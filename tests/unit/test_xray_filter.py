"""The X-Ray filter expression subset (AWS X-Ray Developer Guide, "Use filter expressions"),
evaluated against TraceSummary dicts (labkit/emulator/xray_filter.py)."""
from __future__ import annotations

import pytest

from labkit.emulator.xray_filter import FilterError, parse


def _summary(annotations=None, response=1.0, duration=1.0, fault=False, error=False,
             throttle=False, services=()):
    def value(v):
        if isinstance(v, bool):
            return {"BooleanValue": v}
        if isinstance(v, (int, float)):
            return {"NumberValue": v}
        return {"StringValue": v}

    return {"Annotations": {k: [{"AnnotationValue": value(v), "ServiceIds": []}]
                            for k, v in (annotations or {}).items()},
            "ResponseTime": response, "Duration": duration, "HasFault": fault,
            "HasError": error, "HasThrottle": throttle,
            "ServiceIds": [{"Name": n, "Names": [n], "Type": t} for n, t in services]}


ORDER = _summary({"order_id": "o-1", "items": 3, "vip": True}, response=2.5, duration=3.0,
                 fault=True, services=[("checkout", "AWS::Lambda::Function"),
                                       ("checkout", "AWS::Lambda")])


@pytest.mark.parametrize("expression, matches", [
    ('annotation.order_id = "o-1"', True),
    ('annotation.order_id = "o-2"', False),
    ('annotation[order_id] = "o-1"', True),
    ('annotation.order_id != "o-2"', True),
    ('annotation.order_id != "o-1"', False),
    ("annotation.order_id", True),
    ("annotation.coupon", False),
    ('annotation.coupon != "x"', False),             # no annotation, no match
    ("annotation.items = 3", True),
    ("annotation.items >= 3", True),
    ("annotation.items > 3", False),
    ("annotation.items < 4.5", True),
    ('annotation.items = "3"', False),               # a string is not the number 3
    ("annotation.vip = true", True),
    ("annotation.vip = false", False),
    ('annotation.order_id BEGINSWITH "o-"', True),
    ('annotation.order_id contains "-1"', True),
    ('annotation.order_id ENDSWITH "2"', False),
    ("responsetime > 2", True),
    ("responsetime > 2.5", False),
    ("responsetime >= 2.5", True),
    ("duration < 3", False),
    ("duration <= 3", True),
    ("duration >= 2 AND duration <= 8", True),
    ("fault", True),
    ("!fault", False),
    ("fault = true", True),
    ("fault = false", False),
    ("fault != true", False),
    ("error", False),
    ("!error", True),
    ("throttle", False),
    ("ok", False),
    ('service("checkout")', True),
    ('service("billing")', False),
    ('service(id(name: "checkout", type: "AWS::Lambda::Function"))', True),
    ('service(id(name: "checkout", type: "AWS::DynamoDB::Table"))', False),
    ('annotation.order_id = "o-2" OR fault', True),
    ('annotation.order_id = "o-2" or responsetime > 1', True),
    ('annotation.order_id = "o-1" and error', False),
    ('error OR fault AND responsetime > 5', False),  # AND binds tighter
    ('(error OR fault) AND responsetime > 2', True),
    ('!(error OR fault)', False),
])
def test_expressions(expression, matches):
    assert parse(expression)(ORDER) is matches


def test_ok_is_a_trace_without_error_fault_or_throttle():
    assert parse("ok")(_summary()) is True
    assert parse("ok")(_summary(throttle=True)) is False


def test_strings_may_hold_escaped_quotes_and_keywords():
    summary = _summary({"note": 'say "and"'})
    assert parse(r'annotation.note = "say \"and\""')(summary) is True


@pytest.mark.parametrize("expression, named", [
    ('http.status = 500', "http.status"),
    ('user = "alice"', "user"),
    ('edge("a", "b")', "edge"),
    ('rootcause.fault.type = "x"', "rootcause.fault.type"),
    ('service("a") { fault }', "service() { ... }"),
    ('service(id(account.id: "1"))', "account.id"),
])
def test_unsupported_keywords_are_named(expression, named):
    with pytest.raises(FilterError, match="Unsupported") as raised:
        parse(expression)
    assert named in str(raised.value)


@pytest.mark.parametrize("expression", [
    "", "responsetime >", "responsetime = \"slow\"", "fault = 3", "(fault", "fault)",
    "fault AND", 'annotation.a > "x"', "annotation.a CONTAINS 3", "duration 5", "#",
])
def test_malformed_expressions_are_refused(expression):
    with pytest.raises(FilterError):
        parse(expression)
