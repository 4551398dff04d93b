"""Helpers for lesson 14 (the capstone): run one order system under one chaos schedule and
judge it, several side by side, as a table and as plots. The notebook keeps the workers' code,
their settings and the experiment; the plumbing is here.

    runs = {"naive": (NAIVE_SOURCE, NAIVE_SETTINGS), "hardened": (HARDENED_SOURCE, SETTINGS)}
    seen = run_side_by_side(runs, SCHEDULE, PREFIX, on_step=progress.step)   # label -> Observation
    display(invariant_table(seen))
    show_figure(plot_latencies(seen)); show_figure(plot_verdicts(invariant_table(seen)))

A run builds the system (capstone_system.OrderSystem), starts its environments, arms the
schedule's faults, sends its orders (the spike, then the second wave), waits for the orders queue
to empty (OrderSystem.settle, with a progress step per message gone), gathers what happened and
always tears everything down. The lesson does not watch an alarm (the lab does):
``alarm_when_it_should`` is not in the table. Nothing here runs on import.
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import matplotlib.pyplot as plt
import pandas as pd

from labkit.aws_clients import Clients
from labkit.cleanup import Removed, remove_run
from labkit.lessons import capstone_chaos as chaos
from labkit.lessons import capstone_invariants as inv
from labkit.lessons.capstone_system import (
    SETTLE_SLACK_S, VISIBILITY_TIMEOUT_S, Observation, OrderSystem)

# the invariants a lesson run is judged on, in the order the table shows them
INVARIANTS: dict[str, Callable[[Observation], inv.Verdict]] = {
    "charged exactly once": inv.charged_exactly_once,
    "refunded when refused": inv.refunded_when_refused,
    "every order accounted": inv.every_order_accounted,
    "warehouse not overloaded": inv.warehouse_not_overloaded,
    f"latency SLO (p95 <= {inv.SLO_P95_S:.0f} s)": inv.latency_slo,
    f"bill <= ${inv.BUDGET_PER_MILLION_USD:.0f} per million orders": inv.bill_within_budget,
}
# what one run reports to on_step: one step per phase, one per message the queue lets go of
PHASES = ("build", "warm up", "send", "observe", "tear down")
KINDS = {"accepted": "tab:blue", "sold out (refunded)": "tab:orange",
         "killed by a crash": "tab:gray", "never done": "tab:red"}


def steps(schedule: dict[str, Any], runs: int = 1) -> int:
    """How many steps ``run_system`` reports per run (for a progress bar's total)."""
    return runs * (len(PHASES) + messages_sent(schedule))


def messages_sent(schedule: dict[str, Any]) -> int:
    """Every copy of every order is one message."""
    return sum(o["copies"] for o in schedule["orders"])


# -- running -----------------------------------------------------------------------------------
def run_system(worker_source: str, schedule: dict[str, Any], settings: dict[str, Any],
               prefix: str, clients: Callable | None = None,
               on_step: Callable[[int], None] | None = None) -> Observation:
    """Build the system with this worker and these settings, put the schedule through it and
    return what happened. Every resource is named ``prefix-...`` and deleted before returning."""
    clients = clients or Clients()
    step = on_step or (lambda n=1: None)
    system = OrderSystem(clients, prefix, worker_source, schedule, settings)
    try:
        system.build()
        step(1)
        problem = system.warm_up()
        if problem:
            raise RuntimeError(f"the worker failed before any order was sent: {problem}")
        step(1)
        system.arm_faults()
        system.connect_and_send()
        step(1)
        _settle(system, clients("sqs"), int(settings["max_receive_count"]), step)
        observation = system.observe()
        step(1)
        return observation
    finally:
        system.tear_down()
        step(1)


def _settle(system: OrderSystem, sqs, max_receive_count: int, step) -> None:
    """Wait until the orders queue holds nothing, visible or in flight, reporting each message
    that left it; give up (and say how many stayed) once every allowed redelivery is overdue."""
    sent = messages_sent(system.obs.schedule)
    deadline = time.monotonic() + (max_receive_count + 1) * VISIBILITY_TIMEOUT_S + SETTLE_SLACK_S
    gone = 0
    while True:
        counts = sqs.get_queue_attributes(QueueUrl=system.queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        left = sum(int(v) for v in counts.values())
        if sent - left > gone:
            step(sent - left - gone)
            gone = sent - left
        if left == 0:
            return
        if time.monotonic() > deadline:
            system.obs.left_in_queue = left
            return
        time.sleep(1)


def run_side_by_side(runs: dict[str, tuple[str, dict[str, Any]]], schedule: dict[str, Any],
                     prefix: str, on_step: Callable[[int], None] | None = None
                     ) -> dict[str, Observation]:
    """``runs``: label -> (worker source, settings). Each runs in its own system, at the same
    time, under the same schedule (its own payments, refunds and warehouse): label -> result."""
    clients = Clients()
    lock = threading.Lock()

    def stepped(n: int = 1) -> None:
        if on_step is not None:
            with lock:
                on_step(n)

    with ThreadPoolExecutor(len(runs)) as pool:
        futures = {label: pool.submit(run_system, source, schedule, settings,
                                      f"{prefix}-{label[:1]}{i}", clients, stepped)
                   for i, (label, (source, settings)) in enumerate(runs.items())}
        return {label: future.result() for label, future in futures.items()}


# -- judging -----------------------------------------------------------------------------------
def invariant_table(observations: dict[str, Observation]) -> pd.DataFrame:
    """One row per invariant and run: ok, what was observed, what was expected."""
    rows = []
    for name, judge in INVARIANTS.items():
        for label, o in observations.items():
            verdict = judge(o)
            rows.append({"invariant": name, "run": label, "ok": bool(verdict.ok),
                         "observed": verdict.observed, "expected": verdict.expected})
    return pd.DataFrame(rows, columns=["invariant", "run", "ok", "observed", "expected"])


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """The invariant table with one column per run: PASS or FAIL and what was observed."""
    shown = table.assign(verdict=[("PASS  " if ok else "FAIL  ") + seen
                                  for ok, seen in zip(table["ok"], table["observed"])])
    wide = shown.pivot(index="invariant", columns="run", values="verdict")
    return wide.loc[list(dict.fromkeys(table["invariant"])), list(dict.fromkeys(table["run"]))]


def order_latencies(o: Observation) -> pd.DataFrame:
    """One row per valid order: its kind, seconds from the first send to the first time the
    worker answered it as done (inf: never), and whether the SLO counts it. Sold-out orders
    and orders in a batch a crash killed are shown but not counted (capstone_invariants)."""
    killed = inv.killed_bodies(o)
    rows = []
    for order in chaos.valid(o.schedule):
        body = chaos.body(order, o.run)
        sent, done = o.sent_at.get(body), o.done.get(body)
        seconds = (done - sent) if sent is not None and done is not None else math.inf
        if chaos.sold_out(order):
            kind = "sold out (refunded)"
        elif body in killed:
            kind = "killed by a crash"
        elif math.isinf(seconds):
            kind = "never done"
        else:
            kind = "accepted"
        counted = not chaos.sold_out(order) and body not in killed
        rows.append({"order": order["id"], "kind": kind, "seconds": seconds, "counted": counted,
                     "deliveries": len(o.deliveries.get(body, []))})
    return pd.DataFrame(rows, columns=["order", "kind", "seconds", "counted", "deliveries"])


def order_outcomes(o: Observation) -> pd.DataFrame:
    """One row per order of the schedule: what was sent, delivered, charged, refunded, reserved,
    recorded and parked for it. The numbers behind every invariant, order by order."""
    charges = Counter(str(c.get("order_id")) for c in o.charges)
    refunds = Counter(str(c.get("order_id")) for c in o.refunds)
    reserved = o.warehouse.get("reservations", {})
    parked = Counter(o.parked)
    rows = []
    for order in o.schedule["orders"]:
        body = chaos.body(order, o.run)
        kind = "poison" if order["poison"] else "sold out" if chaos.sold_out(order) else "in stock"
        rows.append({"order": order["id"], "kind": kind, "sent": order["copies"],
                     "deliveries": len(o.deliveries.get(body, [])),
                     "charges": charges[order["id"]], "refunds": refunds[order["id"]],
                     "reserved": reserved.get(order["id"], 0),
                     "recorded": o.records.get(order["id"], {}).get("status", ""),
                     "parked": parked[body]})
    return pd.DataFrame(rows).set_index("order")


def p95_of(o: Observation) -> float:
    """The SLO's number: p95 of the counted orders' latencies (inf if one was never done)."""
    return inv.p95(list(inv.latencies(o).values()))


def try_row(label: str, o: Observation, table: pd.DataFrame, timing: str) -> dict[str, Any]:
    """One row of the widget's table of tries: what was changed, and what held."""
    return {"try": label, "warehouse slots": o.schedule["capacity"],
            "MaximumConcurrency": o.settings["maximum_concurrency"],
            "crashes": o.schedule["crashes"],
            "invariants held": f"{int(table['ok'].sum())} of {len(table)}",
            f"p95 s ({timing})": round(p95_of(o), 1),
            "peak at the warehouse": o.warehouse.get("peak_in_flight"),
            "refused for overload": o.warehouse.get("overloaded")}


def bill_table(observations: dict[str, Observation]) -> pd.DataFrame:
    """The modelled Lambda bill of each run, from its REPORT lines (x86, us-east-1)."""
    rows = []
    for label, o in observations.items():
        usd, per_million = inv.bill(o)
        rows.append({"run": label, "memory MB": o.settings.get("memory_mb"),
                     "invocations": len(o.report_lines), "orders served": inv.served(o),
                     "run USD (modelled)": round(usd, 7),
                     "USD per million served (modelled)": round(per_million, 2),
                     "budget": inv.BUDGET_PER_MILLION_USD})
    return pd.DataFrame(rows).set_index("run")


# -- drawing -----------------------------------------------------------------------------------
def plot_latencies(observations: dict[str, Observation], timing: str = "emulated"):
    """Per run, one bar per valid order from send to done, coloured by kind, the SLO line and
    the measured p95. An order never done gets a bar to the edge of the plot."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    frames = {label: order_latencies(o) for label, o in observations.items()}
    finite = [s for f in frames.values() for s in f["seconds"] if not math.isinf(s)]
    right = max([inv.SLO_P95_S * 1.3] + [s * 1.1 for s in finite])
    tallest = max(len(f) for f in frames.values())
    fig, axes = plt.subplots(1, len(frames), figsize=(5.6 * len(frames), 0.28 * tallest + 2.6),
                             squeeze=False, sharex=True)
    for ax, (label, frame) in zip(axes[0], frames.items()):
        frame = frame.sort_values("order").reset_index(drop=True)
        widths = [right if math.isinf(s) else s for s in frame["seconds"]]
        ax.barh(range(len(frame)), widths, color=[KINDS[k] for k in frame["kind"]], alpha=0.85)
        for row, s in enumerate(frame["seconds"]):
            if math.isinf(s):
                ax.text(right * 0.98, row, "never done", ha="right", va="center", fontsize=7,
                        color="white")
        ax.set_yticks(range(len(frame)), frame["order"], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(inv.SLO_P95_S, color="black", ls="--", lw=1)
        p = p95_of(observations[label])
        if not math.isinf(p):
            ax.axvline(p, color="tab:green", lw=2)
        shown = "never done" if math.isinf(p) else f"{p:.1f} s"
        ax.set_title(f"{label}: p95 of the counted orders {shown}", fontsize=10)
        ax.set_xlim(0, right)
        ax.set_xlabel(f"seconds from send to done ({timing})")
    handles = [Patch(color=c, alpha=0.85, label=k) for k, c in KINDS.items()] + [
        Line2D([], [], color="black", ls="--", lw=1, label=f"SLO: p95 <= {inv.SLO_P95_S:.0f} s"),
        Line2D([], [], color="tab:green", lw=2, label="p95 measured")]
    axes[0][0].legend(handles=handles, fontsize=7, ncol=3, loc="upper left",
                      bbox_to_anchor=(0.0, -0.17))
    return fig


def plot_verdicts(table: pd.DataFrame):
    """The invariants (rows) of each run (columns): green PASS, red FAIL."""
    names = list(dict.fromkeys(table["invariant"]))
    runs = list(dict.fromkeys(table["run"]))
    ok = table.set_index(["invariant", "run"])["ok"]
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(runs), 0.45 * len(names) + 1.0))
    for col, run in enumerate(runs):
        for row, name in enumerate(names):
            passed = bool(ok[(name, run)])
            ax.add_patch(plt.Rectangle((col, row), 0.95, 0.9, color="tab:green" if passed else "tab:red",
                                       alpha=0.8))
            ax.text(col + 0.475, row + 0.45, "PASS" if passed else "FAIL", ha="center",
                    va="center", color="white", fontsize=9, fontweight="bold")
    ax.set_xlim(0, len(runs)); ax.set_ylim(len(names), 0)
    ax.set_xticks([c + 0.475 for c in range(len(runs))], runs)
    ax.set_yticks([r + 0.45 for r in range(len(names))], names, fontsize=8)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


# -- cleaning up -------------------------------------------------------------------------------
def clean_up(prefix: str, clients: Callable | None = None) -> Removed:
    """Delete anything still named ``prefix-...`` in every service (a run tears itself down;
    this catches a run that was interrupted); raises if something could not be deleted."""
    return remove_run(prefix, clients or Clients())
