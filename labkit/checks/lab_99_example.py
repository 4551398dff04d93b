"""Checks for lab 99 (example): an idempotent "record payment" function.

The learner writes ``lab99_payment.py``: ``handler(event, context)`` takes
``{"order_id": str, "amount": int}``, charges the payment provider (a ``labkit.faults.Downstream``
named by $PAYMENT_PROVIDER) and records the payment in the DynamoDB table $PAYMENTS_TABLE
(key ``order_id``), returning ``{"order_id", "status": "charged", "charge_id"}``, or
``{"order_id", "status": "rejected"}`` when the provider refuses permanently.

The invariant every check protects: each order is charged exactly once, whatever the
delivery does (AWS: "Lambda functions should be idempotent" because event sources deliver at
least once - Amazon SQS Developer Guide, "Amazon SQS standard queues"; Lambda Developer
Guide, "Invoking a Lambda function asynchronously").
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Any

from labkit.checks.framework import Lab, Scenario
from labkit.checks.payment_shop import PaymentShop, random_orders
from labkit.checks.sandbox import Invocation
from labkit.faults import delivery_schedule

LAB = Lab(
    "99", "Example: idempotent payments", handler_file="lab99_payment.py",
    notebook="99_example.ipynb",
    tasks={
        "task-1": "Charge and record a payment",
        "task-2": "Charge each order once, whatever the delivery",
        "task-3": "Survive a flaky payment provider",
    },
    lesson="02_idempotency.ipynb",   # this example lab has no lesson of its own
    lesson_sections={
        "task-1": "The payment worker",
        "task-2": "1 · Three ways to see the same order twice",
        "task-3": ("03_errors_and_dlqs.ipynb",
                   "1 · Transient vs permanent failures under a redrive policy"),
    },
)
HANDLER_TIMEOUT_S = 15.0  # generous: a loaded 2-core machine can stall a process for seconds
REDELIVERIES = 3  # a queue would hand a failed message out again; we do it this many times


# -- helpers every check shares --------------------------------------------------------------

def _deployment(s: Scenario) -> PaymentShop:
    """A fresh payments table (key ``order_id``) + provider + the learner's function."""
    return PaymentShop(s, "payments", "order_id", "PAYMENTS_TABLE", HANDLER_TIMEOUT_S)


def _redeliver_until_ok(d: PaymentShop, order: list[Any], result: Invocation) -> Invocation:
    """What a queue does with a failed delivery: hand it out again, a few times."""
    for _ in range(REDELIVERIES):
        if result.ok:
            break
        result = d.deliver(order)
    return result


def _charges(d: PaymentShop) -> Counter:
    return Counter(str(c.get("order_id")) for c in d.provider_calls())


def _records(s: Scenario, d: PaymentShop) -> dict[str, dict[str, Any]]:
    items = d.dynamodb.scan(TableName=d.table, ConsistentRead=True)["Items"]
    records = {i["order_id"]["S"]: {k: list(v.values())[0] for k, v in i.items()} for i in items}
    s.evidence["payment_records"] = records
    return records


def _expect_charged_once(s: Scenario, d: PaymentShop, orders: list[list[Any]],
                         answers: dict[str, list[Invocation]]) -> None:
    """The shared invariant: one charge per order, of its amount, and one consistent answer."""
    charges = _charges(d)
    twice = [o for o, n in charges.items() if n > 1]
    never = [o for o, _ in orders if charges[o] == 0]
    s.expect(not twice, observed=f"{len(twice)} of {len(orders)} orders charged more than once "
             f"({max(charges.values(), default=0)} charges for one order)",
             expected="exactly one charge per order")
    s.expect(not never, observed=f"{len(never)} of {len(orders)} orders never charged",
             expected="exactly one charge per order")
    amounts = {str(c["order_id"]): c.get("amount") for c in s.evidence["provider_calls"]}
    wrong = [o for o, amount in orders if amounts.get(o) != amount]
    s.expect(not wrong, observed=f"{len(wrong)} orders charged a different amount",
             expected="the amount from the event")
    records = _records(s, d)
    for order_id, _ in orders:
        final = [a for a in answers[order_id] if a.ok]
        s.expect(bool(final), observed=f"no delivery of an order succeeded "
                 f"(last: {answers[order_id][-1].describe()})",
                 expected="a successful answer after at most a few deliveries")
        ids = {(a.payload or {}).get("charge_id") if isinstance(a.payload, dict) else None
               for a in final}
        statuses = {(a.payload or {}).get("status") if isinstance(a.payload, dict) else None
                    for a in final}
        call_id = next(c["call_id"] for c in s.evidence["provider_calls"]
                       if str(c["order_id"]) == order_id)
        s.expect(statuses == {"charged"}, observed=f"answers with status {sorted(map(str, statuses))}",
                 expected="status 'charged' in every answer")
        s.expect(ids == {call_id}, observed=f"{len(ids)} different charge_id values in the "
                 f"answers for one order", expected="the provider's call_id, the same every time")
        record = records.get(order_id, {})
        s.expect(record.get("status") == "charged" and record.get("charge_id") == call_id,
                 observed=f"payment record {record or 'missing'}",
                 expected="a record with status 'charged' and the provider's call_id")


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "charges-and-records", "each order is charged and recorded", points=2,
           hint="Charge with provider.call(order_id=..., amount=...), store "
                "order_id/status/charge_id in the payments table, and return them.",
           public={"orders": [["ord-1001", 1250], ["ord-1002", 990], ["ord-1003", 45000]]},
           hidden=lambda r: {"orders": random_orders(r, 2, 5)})
def charges_and_records(s: Scenario) -> None:
    d = _deployment(s)
    orders = s.params["orders"]
    answers = {o[0]: [d.deliver(o)] for o in orders}
    _expect_charged_once(s, d, orders, answers)


# -- task 2 ------------------------------------------------------------------------------------

@LAB.check("task-2", "sequential-duplicates", "a redelivered order is not charged again",
           points=2,
           hint="A delivery can arrive again later. Before charging, find out whether this "
                "order was already charged, and answer with the original charge.",
           public={"orders": [["ord-2001", 1500], ["ord-2002", 700], ["ord-2003", 2300]],
                   "copies": [2, 1, 3], "shuffle": None},
           hidden=lambda r: {"orders": (o := random_orders(r, 2, 4)),
                             "copies": [r.randint(1, 3) for _ in o],
                             "shuffle": r.randrange(10**6)})
def sequential_duplicates(s: Scenario) -> None:
    d = _deployment(s)
    orders, copies = s.params["orders"], s.params["copies"]
    shuffle = s.params["shuffle"]
    schedule = delivery_schedule(orders, copies,
                                 random.Random(shuffle) if shuffle is not None else None)
    answers: dict[str, list[Invocation]] = {o[0]: [] for o in orders}
    for order in schedule:
        answers[order[0]].append(d.deliver(order))
    _expect_charged_once(s, d, orders, answers)


@LAB.check("task-2", "concurrent-duplicates", "duplicates arriving together charge once",
           points=2,
           hint="Two copies can run at the same moment in two execution environments: a "
                "read-then-write check lets both through. Make the decision atomic "
                "(a conditional write, or an idempotency key the provider enforces).",
           public={"orders": [["ord-3001", 5000], ["ord-3002", 1200]], "copies": 2,
                   "delay": 1.0},
           hidden=lambda r: {"orders": random_orders(r, 1, 2), "copies": r.randint(2, 3),
                             "delay": round(r.uniform(0.8, 1.2), 2)})
def concurrent_duplicates(s: Scenario) -> None:
    d = _deployment(s)
    orders = s.params["orders"]
    batch, results, answers = d.race_copies(orders, s.params["copies"], s.params["delay"],
                                            lambda order, result: _redeliver_until_ok(d, order, result))
    _expect_charged_once(s, d, orders, answers)
    d.expect_copies_raced(orders, batch, results)


@LAB.check("task-2", "crash-after-charge", "a crash right after the charge does not charge twice",
           points=2,
           hint="The environment can die after the provider charged but before your code "
                "wrote anything. The retry must recognise the charge: give the provider an "
                "idempotency key that is the same for every delivery of an order.",
           public={"orders": [["ord-4001", 800], ["ord-4002", 6400]], "crash": 0},
           hidden=lambda r: {"orders": (o := random_orders(r, 1, 3)), "crash": r.randrange(len(o))})
def crash_after_charge(s: Scenario) -> None:
    d = _deployment(s)
    orders = s.params["orders"]
    answers = d.crash_after_charge(orders, s.params["crash"],
                                   lambda order, result: _redeliver_until_ok(d, order, result))
    _expect_charged_once(s, d, orders, answers)


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "transient-failures", "a briefly unavailable provider is retried",
           points=2,
           hint="DownstreamUnavailable means 'try again': retry the call a few times, with a "
                "short pause that grows, inside the same invocation.",
           public={"orders": [["ord-5001", 3100], ["ord-5002", 150]], "failures": 2},
           hidden=lambda r: {"orders": random_orders(r, 1, 3), "failures": r.randint(1, 2)})
def transient_failures(s: Scenario) -> None:
    d = _deployment(s)
    orders = s.params["orders"]
    d.provider.fail(s.params["failures"])
    answers = {o[0]: [d.deliver(o)] for o in orders}
    first = answers[orders[0][0]][0]
    s.expect(first.ok, observed=f"the first delivery ended with {first.describe()}",
             expected="a single delivery to succeed while the provider fails a few times")
    _expect_charged_once(s, d, orders, answers)


@LAB.check("task-3", "permanent-failure", "a rejected payment is answered, not retried forever",
           points=2,
           hint="DownstreamRejected will never succeed: do not raise (the queue would retry "
                "it forever). Record the order as 'rejected' and answer with that status.",
           public={"orders": [["ord-6001", 99999], ["ord-6002", 4200]]},
           hidden=lambda r: {"orders": random_orders(r, 2, 3)})
def permanent_failure(s: Scenario) -> None:
    d = _deployment(s)
    rejected, *others = s.params["orders"]
    d.provider.fail_permanently()
    answer = d.deliver(rejected)
    s.expect(answer.ok, observed=f"the delivery ended with {answer.describe()}",
             expected="a normal answer (no exception) for a permanent rejection")
    status = answer.payload.get("status") if isinstance(answer.payload, dict) else None
    s.expect(status == "rejected", observed=f"status {status!r}", expected="status 'rejected'")
    record = _records(s, d).get(rejected[0], {})
    s.expect(record.get("status") == "rejected", observed=f"payment record {record or 'missing'}",
             expected="a record with status 'rejected'")
    s.expect(sum(_charges(d).values()) == 0, observed="a charge was recorded",
             expected="no charge for a rejected payment")
    d.provider.heal()  # the next customers' payments go through again
    answers = {o[0]: [d.deliver(o)] for o in others}
    _expect_charged_once(s, d, others, answers)
