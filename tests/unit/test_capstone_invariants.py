"""The capstone's invariants on hand-made observations: each says what it saw, and each holds
or breaks for the reason it names (no backend: the checks run them on real runs)."""
from __future__ import annotations

import json

from labkit.lessons import capstone_chaos as chaos
from labkit.lessons import capstone_invariants as inv
from labkit.lessons.capstone_system import Observation

ORDERS = [
    {"id": "a", "amount": 100, "sku": "mug", "poison": False, "copies": 2, "flaky": 0},
    {"id": "b", "amount": 200, "sku": "sold-out-tee", "poison": False, "copies": 1, "flaky": 0},
    {"id": "c", "amount": 300, "sku": "cap", "poison": False, "copies": 1, "flaky": 1},
    {"id": "p", "amount": 400, "sku": "pin", "poison": True, "copies": 1, "flaky": 0},
]
SCHEDULE = {"orders": ORDERS, "capacity": 3, "crashes": 1, "refund_outage": 1}
REPORT = ("REPORT RequestId: r Duration: 500.00 ms Billed Duration: 500 ms Memory Size: 256 MB "
          "Max Memory Used: 80 MB")


def _good() -> Observation:
    o = Observation(SCHEDULE, {"maximum_concurrency": 3, "memory_mb": 256}, "run1")
    bodies = {x["id"]: chaos.body(x, "run1") for x in ORDERS}
    o.sent_at = {b: 100.0 for b in bodies.values()}
    o.deliveries = {bodies["a"]: [[100.5, "i1"]], bodies["c"]: [[101.0, "i2"]],
                    bodies["b"]: [[101.0, "i2"]], bodies["p"]: [[100.5, "i1"]]}
    o.ended = ["i1", "i2"]
    o.done = {bodies["a"]: 101.0, bodies["c"]: 102.0, bodies["b"]: 102.0}
    o.charges = [{"order_id": "a", "amount": 100}, {"order_id": "b", "amount": 200},
                 {"order_id": "c", "amount": 300}]
    o.refunds = [{"order_id": "b", "amount": 200}]
    o.warehouse = {"capacity": 3, "peak_in_flight": 2, "overloaded": 0,
                   "reservations": {"a": 1, "c": 1}}
    o.records = {"a": {"status": "placed"}, "b": {"status": "refunded"}, "c": {"status": "placed"}}
    o.parked = [bodies["p"], bodies["p"]]   # parked twice: a crash after parking it
    o.alarm = {"exists": True, "before_sending": "OK", "parked": 2, "fired": True, "state": "ALARM"}
    o.report_lines = [REPORT] * 3
    return o


INVARIANTS = [inv.charged_exactly_once, inv.refunded_when_refused, inv.every_order_accounted,
              inv.alarm_when_it_should, inv.warehouse_not_overloaded, inv.latency_slo,
              inv.bill_within_budget]


def test_a_good_run_holds_every_invariant():
    o = _good()
    for invariant in INVARIANTS:
        verdict = invariant(o)
        assert verdict.ok, (invariant.__name__, verdict.observed)
    assert inv.every_order_accounted(o).observed == "3 processed + 1 parked of 4 sent"


def test_a_second_charge_breaks_charged_exactly_once_only():
    o = _good()
    o.charges.append({"order_id": "a", "amount": 100})
    assert "charged more than once" in inv.charged_exactly_once(o).observed
    assert not inv.charged_exactly_once(o).ok
    assert inv.refunded_when_refused(o).ok


def test_a_refund_outage_that_lost_the_refund_breaks_refunded_when_refused():
    o = _good()
    o.refunds = []
    assert not inv.refunded_when_refused(o).ok


def test_a_valid_order_in_the_dlq_breaks_the_accounting():
    o = _good()
    o.parked.append(json.dumps({"id": "c", "amount": 300, "sku": "cap", "run": "run1"}))
    verdict = inv.every_order_accounted(o)
    assert not verdict.ok and "valid order(s) in the DLQ: c" in verdict.observed


def test_a_concurrency_above_the_slots_breaks_the_warehouse_even_without_an_overload():
    o = _good()
    o.settings["maximum_concurrency"] = 4
    verdict = inv.warehouse_not_overloaded(o)
    assert not verdict.ok and "MaximumConcurrency 4" in verdict.observed


def test_an_alarm_in_alarm_before_anything_was_sent_breaks_the_alarm_invariant():
    o = _good()
    o.alarm["before_sending"] = "ALARM"
    assert not inv.alarm_when_it_should(o).ok
    o.alarm.update(before_sending="OK", parked=0, fired=True)
    assert "nothing parked" in inv.alarm_when_it_should(o).observed


def test_latency_leaves_out_the_orders_a_crash_sent_back():
    o = _good()
    body_a = chaos.body(ORDERS[0], "run1")
    o.done[body_a] = 140.0                     # 40 s: waited out a visibility timeout
    assert not inv.latency_slo(o).ok
    o.deliveries[body_a].append([100.2, "killed"])   # ...because its batch was killed
    assert inv.latency_slo(o).ok and body_a not in inv.latencies(o)


def test_the_bill_is_per_order_served_and_grows_with_memory():
    o = _good()
    usd, per_million = inv.bill(o)
    assert per_million == usd / 3 * 1_000_000
    o.report_lines = [REPORT.replace("256 MB", "10240 MB")] * 3
    assert not inv.bill_within_budget(o).ok


def test_p95_is_the_nearest_rank():
    assert inv.p95([1.0] * 19 + [50.0]) == 1.0
    assert inv.p95([1.0] * 10 + [50.0]) == 50.0
