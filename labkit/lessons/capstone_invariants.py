"""The capstone's invariants, judged on one run's Observation (capstone_system): each returns a
Verdict saying what was observed and what was expected. Lessons print them; checks grade them.

    charged_exactly_once   every valid order charged once, for its amount; poison never
    refunded_when_refused  every sold-out order refunded once; nothing else refunded
    every_order_accounted  processed + parked = sent: each valid order recorded once with its
                           outcome, each poison message parked, no valid order parked
    warehouse_not_overloaded  never more requests in flight than the warehouse's slots
    alarm_when_it_should   the DLQ alarm quiet while the DLQ is empty, firing once it is not
    latency_slo            p95 of send -> done for accepted orders the chaos did not kill
    bill_within_budget     the run's Lambda bill, from its own REPORT lines, per million orders
                           served
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass

from labkit.cost.report_lines import cost_from_report_lines
from labkit.lessons import capstone_chaos as chaos
from labkit.lessons.capstone_system import Observation

SLO_P95_S = 25.0            # below VISIBILITY_TIMEOUT_S: no accepted order waits for a redelivery
# modelled: Lambda x86 price, us-east-1, from the run's REPORT lines. The durations are emulated
# and grow with the machine's load (a 256 MB worker: ~$2.3 quiet, $11 once under make test's
# load), so the budget is set by memory, the learner's choice: 3,008 MB costs ~$36 when quiet.
BUDGET_PER_MILLION_USD = 25.0


@dataclass(frozen=True)
class Verdict:
    ok: bool
    observed: str
    expected: str
    conclusive: bool = False   # a failure no machine could cause (read from the configuration)


def _ids(calls: list[dict]) -> Counter:
    return Counter(str(c.get("order_id")) for c in calls)


def _few(ids) -> str:
    ids = sorted(ids)
    return ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")


def charged_exactly_once(o: Observation) -> Verdict:
    charges = _ids(o.charges)
    orders = chaos.valid(o.schedule)
    twice = [x["id"] for x in orders if charges[x["id"]] > 1]
    never = [x["id"] for x in orders if charges[x["id"]] == 0]
    known = {x["id"] for x in orders}
    strangers = [i for i in charges if i not in known]
    amounts = {str(c.get("order_id")): c.get("amount") for c in o.charges}
    wrong = [x["id"] for x in orders if x["id"] in amounts and amounts[x["id"]] != x["amount"]]
    expected = "every valid order charged exactly once, for its amount, and nothing else"
    if twice:
        return Verdict(False, f"{len(twice)} of {len(orders)} orders charged more than once "
                       f"({_few(twice)}: {max(charges.values())} charges at most)", expected)
    if never:
        return Verdict(False, f"{len(never)} of {len(orders)} orders never charged ({_few(never)})",
                       expected)
    if strangers:
        return Verdict(False, f"{len(strangers)} charge(s) for no valid order "
                       f"(order_id {_few(strangers)})", expected)
    if wrong:
        return Verdict(False, f"{len(wrong)} orders charged another amount ({_few(wrong)})", expected)
    return Verdict(True, f"{len(orders)} orders, {sum(charges.values())} charges", expected)


def refunded_when_refused(o: Observation) -> Verdict:
    refunds = _ids(o.refunds)
    refused = [x["id"] for x in chaos.valid(o.schedule) if chaos.sold_out(x)]
    expected = "each sold-out order refunded exactly once, no other order refunded"
    twice = [i for i in refused if refunds[i] > 1]
    never = [i for i in refused if refunds[i] == 0]
    others = [i for i in refunds if i not in refused]
    if twice:
        return Verdict(False, f"{len(twice)} sold-out order(s) refunded more than once "
                       f"({_few(twice)})", expected)
    if never:
        return Verdict(False, f"{len(never)} of {len(refused)} sold-out orders never refunded "
                       f"({_few(never)})", expected)
    if others:
        return Verdict(False, f"{len(others)} order(s) refunded that were not sold out "
                       f"({_few(others)})", expected)
    return Verdict(True, f"{len(refused)} sold-out orders, {sum(refunds.values())} refunds", expected)


def _order_id(body: str) -> str | None:
    try:
        return str(json.loads(body).get("id"))
    except (ValueError, AttributeError):
        return None


def every_order_accounted(o: Observation) -> Verdict:
    s = o.schedule
    expected = ("processed + parked = sent: every valid order recorded once as placed (or "
                "refunded when sold out), every poison message parked, no valid order parked")
    if o.left_in_queue:
        return Verdict(False, f"{o.left_in_queue} message(s) still in the orders queue when the "
                       f"run ended", expected)
    wrong_status = []
    for x in chaos.valid(s):
        want = "refunded" if chaos.sold_out(x) else "placed"
        got = o.records.get(x["id"], {}).get("status")
        if got != want:
            wrong_status.append(f"{x['id']}: {got or 'no record'}, not {want}")
    parked_ids = [_order_id(b) for b in o.parked]
    valid_parked = sorted({i for i in parked_ids if i is not None})
    # distinct bodies: a batch that crashed after its poison was parked parks it again
    poison_bodies = len({b for b in o.parked if _order_id(b) is None})
    processed = len(chaos.valid(s)) - len(wrong_status)
    count = (f"{processed} processed + {poison_bodies + len(valid_parked)} parked of "
             f"{len(s['orders'])} sent")
    if valid_parked:
        return Verdict(False, f"{count}; valid order(s) in the DLQ: {_few(valid_parked)}", expected)
    if wrong_status:
        return Verdict(False, f"{count}; {'; '.join(wrong_status[:3])}", expected)
    if poison_bodies != len(chaos.poison(s)):
        return Verdict(False, f"{count}: {poison_bodies} poison message(s) in the DLQ, "
                       f"{len(chaos.poison(s))} sent", expected)
    return Verdict(True, count, expected)


def warehouse_not_overloaded(o: Observation) -> Verdict:
    """Seen at the warehouse (the peak, the refusals) and read from the settings: a
    MaximumConcurrency above the slots overloads it whenever the executions meet there, which
    a run on a quiet machine may not show."""
    w, capacity = o.warehouse, o.schedule["capacity"]
    allowed = o.settings.get("maximum_concurrency")
    in_stock = [x["id"] for x in chaos.valid(o.schedule) if not chaos.sold_out(x)]
    unreserved = [i for i in in_stock if i not in w.get("reservations", {})]
    expected = (f"MaximumConcurrency at most the warehouse's {capacity} connection slots (each "
                f"execution working through its batch in order), every in-stock order reserved, "
                f"none refused for overload")
    observed = (f"MaximumConcurrency {allowed}; peak {w.get('peak_in_flight')} in flight, "
                f"{w.get('overloaded')} refused for overload, {len(in_stock) - len(unreserved)} "
                f"of {len(in_stock)} in-stock orders reserved")
    configured_over = not isinstance(allowed, int) or allowed > capacity
    return Verdict(not configured_over and not unreserved and w.get("overloaded") == 0
                   and w.get("peak_in_flight", 0) <= capacity, observed, expected,
                   conclusive=configured_over)


def alarm_when_it_should(o: Observation) -> Verdict:
    a = o.alarm
    expected = ("the DLQ alarm OK and silent while the DLQ is empty, notifying the on-call "
                "topic once a message is parked, and only then")
    if not a.get("exists"):
        return Verdict(False, a.get("problem") or "no alarm with the name create_alarm was given",
                       expected)
    if a.get("before_sending") != "OK":
        return Verdict(False, f"before any order was sent (the DLQ empty) the alarm was "
                       f"{a.get('before_sending')}", expected)
    if a.get("parked") and not a.get("fired"):
        return Verdict(False, f"{a['parked']} message(s) parked, and the alarm did not notify "
                       f"the topic (state {a.get('state')})", expected)
    if not a.get("parked") and a.get("fired"):
        return Verdict(False, f"nothing parked, and the alarm notified the topic "
                       f"(state {a.get('state')})", expected)
    return Verdict(True, f"{a.get('parked', 0)} parked, alarm "
                   f"{'fired' if a.get('fired') else 'quiet'}", expected)


def killed_bodies(o: Observation) -> set[str]:
    """Bodies delivered in an invocation that never ended (its environment was killed, or it
    timed out): SQS hands them out again only after the visibility timeout, by design."""
    ended = set(o.ended)
    return {b for b, seen in o.deliveries.items() if any(inv not in ended for _, inv in seen)}


def latencies(o: Observation) -> dict[str, float]:
    """send -> first done, seconds, of the accepted orders the chaos did not kill."""
    killed = killed_bodies(o)
    accepted = {chaos.body(x, o.run) for x in chaos.valid(o.schedule) if not chaos.sold_out(x)}
    out = {}
    for body, sent in o.sent_at.items():
        if body in killed or body not in accepted:
            continue
        out[body] = (o.done[body] - sent) if body in o.done else math.inf
    return out


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (the CloudWatch p95 of a small sample)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else 0.0


def latency_slo(o: Observation) -> Verdict:
    values = latencies(o)
    p = p95(list(values.values()))
    expected = f"p95 end-to-end latency of accepted orders <= {SLO_P95_S:.0f} s"
    shown = "never done" if math.isinf(p) else f"{p:.1f} s"
    slowest = sorted(values, key=values.get, reverse=True)[:2]
    detail = "; ".join(f"{_order_id(b)}: {'never done' if math.isinf(values[b]) else f'{values[b]:.1f} s'}"
                       f", delivered {len(o.deliveries.get(b, []))} time(s)" for b in slowest)
    return Verdict(p <= SLO_P95_S, f"p95 {shown} over {len(values)} accepted orders "
                   f"(slowest: {detail})", expected)


def served(o: Observation) -> int:
    """Orders the worker saw through: recorded as placed or refunded."""
    return sum(1 for r in o.records.values() if r.get("status") in ("placed", "refunded"))


def bill(o: Observation) -> tuple[float, float]:
    """(the run's modelled Lambda bill in USD, the same per million orders served)."""
    usd = cost_from_report_lines(o.report_lines).total_usd
    return usd, usd / max(1, served(o)) * 1_000_000


def bill_within_budget(o: Observation) -> Verdict:
    usd, per_million = bill(o)
    expected = (f"at most ${BUDGET_PER_MILLION_USD:.2f} of Lambda per million orders served "
                f"(modelled from the run's REPORT lines at the x86 price)")
    if not o.report_lines:
        return Verdict(False, "no REPORT line from the worker", expected)
    if not served(o):
        return Verdict(False, f"no order served, for ${usd:.6f} of Lambda", expected)
    return Verdict(per_million <= BUDGET_PER_MILLION_USD,
                   f"${per_million:.2f} per million orders ({len(o.report_lines)} invocations, "
                   f"${usd:.6f} for this run, memory {o.settings.get('memory_mb')} MB)", expected)
