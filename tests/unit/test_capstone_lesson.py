"""Lesson 14's helpers that need no backend: the invariant table, the per-order latencies and
outcomes, the progress total and the two plots, on an Observation made by hand."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from labkit.lessons import capstone_chaos as chaos  # noqa: E402
from labkit.lessons import capstone_lesson as lesson  # noqa: E402
from labkit.lessons.capstone_system import Observation  # noqa: E402

RUN = "r1"
ORDERS = [
    {"id": "o-a", "amount": 500, "sku": "mug", "poison": False, "copies": 2, "flaky": 0},
    {"id": "o-b", "amount": 700, "sku": "tee", "poison": False, "copies": 1, "flaky": 0},
    {"id": "o-c", "amount": 900, "sku": "sold-out-cap", "poison": False, "copies": 1, "flaky": 0},
    {"id": "o-d", "amount": 300, "sku": "pin", "poison": True, "copies": 1, "flaky": 0},
    {"id": "o-e", "amount": 400, "sku": "tote", "poison": False, "copies": 1, "flaky": 1},
]
SCHEDULE = {"orders": ORDERS, "capacity": 2, "crashes": 1, "refund_outage": 1}
REPORT = ("REPORT RequestId: 1 Duration: 100.00 ms Billed Duration: 100 ms Memory Size: 256 MB "
          "Max Memory Used: 50 MB")


def body(order_id: str) -> str:
    return chaos.body(next(o for o in ORDERS if o["id"] == order_id), RUN)


def observation() -> Observation:
    """o-a done in 1 s (twice delivered, charged once), o-b in a batch that never ended (killed),
    o-c sold out and refunded, o-d parked, o-e never done."""
    sent = {body(i): 100.0 for i in ("o-a", "o-b", "o-c", "o-d", "o-e")}
    return Observation(
        schedule=SCHEDULE, settings={"memory_mb": 256}, run=RUN, sent_at=sent,
        deliveries={body("o-a"): [[100.1, "inv1"], [100.2, "inv1"]], body("o-b"): [[100.1, "dead"]],
                    body("o-c"): [[100.1, "inv1"]], body("o-d"): [[100.1, "inv1"]],
                    body("o-e"): [[100.3, "inv2"]]},
        done={body("o-a"): 101.0, body("o-c"): 102.0},
        ended=["inv1", "inv2"],
        charges=[{"order_id": "o-a", "amount": 500}, {"order_id": "o-b", "amount": 700},
                 {"order_id": "o-c", "amount": 900}],
        refunds=[{"order_id": "o-c", "amount": 900}],
        warehouse={"capacity": 2, "peak_in_flight": 1, "overloaded": 0,
                   "reservations": {"o-a": 1, "o-b": 1}},
        records={"o-a": {"status": "placed"}, "o-c": {"status": "refunded"}},
        parked=[body("o-d")], report_lines=[REPORT, REPORT])


def test_steps_count_phases_and_every_copy():
    assert lesson.messages_sent(SCHEDULE) == 6
    assert lesson.steps(SCHEDULE, runs=2) == 2 * (len(lesson.PHASES) + 6)


def test_the_invariant_table_has_a_row_per_invariant_and_run():
    o = observation()
    table = lesson.invariant_table({"one": o, "two": o})
    assert list(table.columns) == ["invariant", "run", "ok", "observed", "expected"]
    assert len(table) == 2 * len(lesson.INVARIANTS)
    assert "alarm" not in " ".join(table["invariant"])   # the lesson watches no alarm
    ok = table.set_index(["run", "invariant"])["ok"]
    assert not ok[("one", "charged exactly once")]       # o-e was never charged
    assert ok[("one", "refunded when refused")]


def test_side_by_side_keeps_the_order_and_says_pass_or_fail():
    table = lesson.invariant_table({"naive": observation(), "hardened": observation()})
    wide = lesson.side_by_side(table)
    assert list(wide.columns) == ["naive", "hardened"]
    assert list(wide.index) == list(lesson.INVARIANTS)
    assert all(v.startswith(("PASS  ", "FAIL  ")) for v in wide.to_numpy().ravel())


def test_order_latencies_tell_the_kinds_apart_and_count_only_accepted_survivors():
    frame = lesson.order_latencies(observation()).set_index("order")
    assert "o-d" not in frame.index                        # poison is not an order
    assert frame.loc["o-a", "kind"] == "accepted" and frame.loc["o-a", "seconds"] == pytest.approx(1.0)
    assert frame.loc["o-b", "kind"] == "killed by a crash" and not frame.loc["o-b", "counted"]
    assert frame.loc["o-c", "kind"] == "sold out (refunded)" and not frame.loc["o-c", "counted"]
    assert frame.loc["o-e", "kind"] == "never done" and math.isinf(frame.loc["o-e", "seconds"])
    assert frame["counted"].tolist() == [True, False, False, True]
    assert math.isinf(lesson.p95_of(observation()))        # o-e never done


def test_order_outcomes_count_what_happened_to_each_order():
    out = lesson.order_outcomes(observation())
    assert out.loc["o-a", ["sent", "deliveries", "charges", "reserved"]].tolist() == [2, 2, 1, 1]
    assert out.loc["o-c", "refunds"] == 1 and out.loc["o-c", "recorded"] == "refunded"
    assert out.loc["o-d", "kind"] == "poison" and out.loc["o-d", "parked"] == 1
    assert out.loc["o-e", "charges"] == 0 and out.loc["o-e", "recorded"] == ""


def test_the_bill_table_prices_the_report_lines_per_order_served():
    bills = lesson.bill_table({"one": observation()})
    assert bills.loc["one", "invocations"] == 2 and bills.loc["one", "orders served"] == 2
    assert bills.loc["one", "USD per million served (modelled)"] > 0


def test_the_plots_draw_one_panel_per_run():
    o = observation()
    fig = lesson.plot_latencies({"naive": o, "hardened": o})
    assert len(fig.axes) == 2
    plt.close(fig)
    fig = lesson.plot_verdicts(lesson.invariant_table({"naive": o, "hardened": o}))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 2 * len(lesson.INVARIANTS) and set(texts) <= {"PASS", "FAIL"}
    plt.close(fig)


def test_a_try_row_says_what_was_changed_and_what_held():
    o = observation()
    o.settings = {**o.settings, "maximum_concurrency": 3}
    table = lesson.invariant_table({"try 1": o})
    row = lesson.try_row("try 1: hardened", o, table, "emulated")
    assert row["try"] == "try 1: hardened"
    assert (row["warehouse slots"], row["MaximumConcurrency"], row["crashes"]) == (2, 3, 1)
    assert row["invariants held"] == f"{int(table['ok'].sum())} of {len(lesson.INVARIANTS)}"
    assert row["p95 s (emulated)"] == math.inf          # o-e was never done
    assert (row["peak at the warehouse"], row["refused for overload"]) == (1, 0)
