"""Checks for lab 02 (idempotency): make the payment handler idempotent.

The learner writes ``lab02_payment.py``: ``handler(event, context)`` takes one order
``{"order_id": str, "amount": int}`` (as a queue delivers it, possibly more than once), charges
the payment provider (a ``labkit.faults.Downstream`` named by $PAYMENT_PROVIDER, which accepts
an optional idempotency key) and returns the receipt ``{"order_id", "amount", "charge_id"}``
where ``charge_id`` is the provider's ``call_id``. It may keep idempotency records in the
DynamoDB table $IDEMPOTENCY_TABLE (hash key ``id``, a string: Powertools' default layout).

What the checks protect (AWS: SQS standard queues deliver "at least once", Amazon SQS Developer
Guide; Powertools for AWS Lambda (Python) documentation, "Idempotency"):
  * every order is charged exactly once, whatever the delivery does: repeats, copies running at
    the same moment, a crash right after the charge;
  * every delivery of an order that succeeds answers with the same receipt;
  * a delivery that reuses an order id with a different amount is rejected (an error), and
    charges nothing.
A failed delivery is handed out again after a pause, as a queue would after the visibility
timeout, until it succeeds or a deadline passes. A later delivery of an order may be served by
another execution environment (Lambda scales out and recycles environments): what one
environment remembers in memory, the next does not know.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from typing import Any

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.payment_shop import PaymentShop, random_orders
from labkit.checks.sandbox import Invocation
from labkit.faults import delivery_schedule
from labkit.lambda_outcomes import ERROR

LAB = Lab(
    "02", "Idempotency: charge each order once", handler_file="lab02_payment.py",
    notebook="02_idempotency.ipynb",
    tasks={
        "task-1": "Repeated deliveries: one charge, one receipt",
        "task-2": "Copies of an order running at the same moment",
        "task-3": "A crash right after the charge",
        "task-4": "A tampered retry is rejected",
    },
    lesson_sections={
        "task-1": "3 · Fix 2: INPROGRESS → COMPLETED, with an expiry",
        "task-2": "2 · Fix 1: a conditional put on an idempotency key",
        "task-3": "5 · Every variant, your mix of faults",
        "task-4": "4 · Fix 3: Powertools idempotency",
    },
)
HANDLER_TIMEOUT_S = 10.0    # generous, as in labs 04 and 08: a handler's first call creates its
                            # boto3 client, and 3 s was once not enough on a loaded machine
REDELIVERY_PAUSE_S = 0.5     # a (much shortened) visibility timeout between deliveries
REDELIVERY_DEADLINE_S = 4 * HANDLER_TIMEOUT_S  # an INPROGRESS record may hold an order this long


def _shop(s: Scenario) -> PaymentShop:
    """A fresh idempotency table (hash key ``id``: Powertools' default layout) + provider."""
    return PaymentShop(s, "idempotency", "id", "IDEMPOTENCY_TABLE", HANDLER_TIMEOUT_S)


def _redeliver_until_ok(shop: PaymentShop, order: list[Any], result: Invocation) -> Invocation:
    """What a queue does with a failed delivery: hand it out again later, until it works."""
    deadline = time.monotonic() + REDELIVERY_DEADLINE_S
    while not result.ok and time.monotonic() < deadline:
        time.sleep(REDELIVERY_PAUSE_S)
        result = shop.deliver(order)
    return result


def _expect_charged_once(s: Scenario, shop: PaymentShop, orders: list[list[Any]]) -> dict[str, str]:
    """One charge per order, of its amount; returns order id -> the provider's call_id."""
    calls = shop.provider_calls()
    charges = Counter(str(c.get("order_id")) for c in calls)
    twice = [o for o, _ in orders if charges[o] > 1]
    never = [o for o, _ in orders if charges[o] == 0]
    s.expect(not twice, observed=f"{len(twice)} of {len(orders)} orders charged more than once "
             f"({max(charges.values(), default=0)} charges for one order)",
             expected="exactly one charge per order")
    s.expect(not never, observed=f"{len(never)} of {len(orders)} orders never charged",
             expected="exactly one charge per order")
    amounts = {str(c.get("order_id")): c.get("amount") for c in calls}
    wrong = [o for o, amount in orders if amounts.get(o) != amount]
    s.expect(not wrong, observed=f"{len(wrong)} orders charged a different amount",
             expected="the amount from the event")
    return {str(c.get("order_id")): c["call_id"] for c in calls}


def _expect_answered(s: Scenario, shop: PaymentShop, order_id: str) -> list[Invocation]:
    ok = [a for a in shop.answers.get(order_id, []) if a.ok]
    last = shop.answers.get(order_id, [Invocation("missing")])[-1]
    s.expect(bool(ok), observed=f"no delivery of {order_id} succeeded (last: {last.describe()})",
             expected="a receipt after at most a few deliveries")
    return ok


def _expect_same_receipts(s: Scenario, shop: PaymentShop, orders: list[list[Any]],
                          call_ids: dict[str, str]) -> None:
    for order_id, amount in orders:
        receipts = [a.payload for a in _expect_answered(s, shop, order_id)]
        want = {"order_id": order_id, "amount": amount, "charge_id": call_ids.get(order_id)}
        first = receipts[0] if isinstance(receipts[0], dict) else {}
        s.expect({k: first.get(k) for k in want} == want,
                 observed=f"first receipt {json.dumps(receipts[0], default=str)}",
                 expected=f"{json.dumps(want)} (charge_id = the provider's call_id)")
        different = [r for r in receipts if r != receipts[0]]
        s.expect(not different, observed=f"{len(different) + 1} different receipts for one order, "
                 f"e.g. {json.dumps(different[0], default=str) if different else ''}",
                 expected="every delivery answered with the first receipt")


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "repeated-deliveries", "an order delivered again is not charged again",
           points=2,
           hint="Before charging, find out whether this order id was already processed "
                "(an idempotency record keyed by the order id), atomically.",
           public={"orders": [["ord-1001", 1250], ["ord-1002", 990], ["ord-1003", 4500]],
                   "copies": [2, 1, 3], "shuffle": None},
           hidden=lambda r: {"orders": (o := random_orders(r, 2, 4)),
                             "copies": [r.randint(1, 3) for _ in o],
                             "shuffle": r.randrange(10**6)})
def repeated_deliveries(s: Scenario) -> None:
    shop = _shop(s)
    orders, shuffle = s.params["orders"], s.params["shuffle"]
    schedule = delivery_schedule(orders, s.params["copies"],
                                 random.Random(shuffle) if shuffle is not None else None)
    seen: Counter = Counter()
    for order in schedule:   # every copy of an order lands in another execution environment
        _redeliver_until_ok(shop, order, shop.deliver(order, group=seen[order[0]]))
        seen[order[0]] += 1
    _expect_charged_once(s, shop, orders)
    for order_id, _ in orders:
        _expect_answered(s, shop, order_id)


@LAB.check("task-1", "same-receipt", "every delivery of an order gets the same receipt",
           points=2,
           hint="A duplicate must answer like the first delivery did: store the receipt with "
                "the idempotency record and return it (Powertools does this for you).",
           public={"orders": [["ord-2001", 1500], ["ord-2002", 700]], "copies": 3},
           hidden=lambda r: {"orders": random_orders(r, 1, 3), "copies": r.randint(2, 3)})
def same_receipt(s: Scenario) -> None:
    shop = _shop(s)
    orders = s.params["orders"]
    for copy in range(s.params["copies"]):   # each copy in another execution environment
        for order in orders:
            answer = _redeliver_until_ok(shop, order, shop.deliver(order, group=copy))
            if not answer.ok:
                # a copy that keeps failing ends in the DLQ: a failed order that was in fact paid
                raise Mismatch(f"copy {copy + 1} of {order[0]} never got a receipt: it failed "
                               f"every delivery for {REDELIVERY_DEADLINE_S:.0f} s (last: "
                               f"{answer.describe()})",
                               "every copy answered with the first receipt, within a few "
                               "redeliveries (not refused)")
    call_ids = _expect_charged_once(s, shop, orders)
    _expect_same_receipts(s, shop, orders, call_ids)


# -- task 2 ------------------------------------------------------------------------------------

@LAB.check("task-2", "concurrent-duplicates", "copies running at the same moment charge once",
           points=2,
           hint="Two copies can run at once in two execution environments: a read-then-write "
                "check lets both through. Claim the order with a conditional write "
                "(attribute_not_exists) before charging; the loser fails and is retried.",
           public={"orders": [["ord-3001", 5000], ["ord-3002", 1200]], "copies": 2,
                   "delay": 1.0},
           hidden=lambda r: {"orders": random_orders(r, 1, 2), "copies": r.randint(2, 3),
                             "delay": round(r.uniform(0.8, 1.2), 2)})
def concurrent_duplicates(s: Scenario) -> None:
    shop = _shop(s)
    orders = s.params["orders"]
    batch, results, _ = shop.race_copies(orders, s.params["copies"], s.params["delay"],
                                         lambda order, result: _redeliver_until_ok(shop, order, result))
    call_ids = _expect_charged_once(s, shop, orders)
    _expect_same_receipts(s, shop, orders, call_ids)
    shop.expect_copies_raced(orders, batch, results)


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "crash-after-charge", "a crash right after the charge does not charge twice",
           points=2,
           hint="The environment can die after the provider charged and before your record "
                "says COMPLETED; once the record expires the retry charges again. Pass the "
                "order id to the provider as its idempotency key: provider.call(key=...).",
           public={"orders": [["ord-4001", 800], ["ord-4002", 6400]], "crash": 0},
           hidden=lambda r: {"orders": (o := random_orders(r, 1, 3)), "crash": r.randrange(len(o))})
def crash_after_charge(s: Scenario) -> None:
    shop = _shop(s)
    orders = s.params["orders"]
    shop.crash_after_charge(orders, s.params["crash"],
                            lambda order, result: _redeliver_until_ok(shop, order, result))
    _expect_charged_once(s, shop, orders)
    for order_id, _ in orders:
        _expect_answered(s, shop, order_id)


# -- task 4 ------------------------------------------------------------------------------------

@LAB.check("task-4", "tampered-retry", "a reused order id with another amount is rejected",
           points=2,
           hint="A retry must carry the same payload. Store a hash of the amount with the "
                "record and raise when it differs (Powertools: payload_validation_jmespath "
                "raises IdempotencyValidationError).",
           public={"order": ["ord-5001", 2500], "tampered_amount": 250000},
           hidden=lambda r: {"order": (o := random_orders(r, 1, 1)[0]),
                             "tampered_amount": o[1] + r.randrange(1, 100_000)})
def tampered_retry(s: Scenario) -> None:
    shop = _shop(s)
    order = s.params["order"]
    tampered = [order[0], s.params["tampered_amount"]]
    _redeliver_until_ok(shop, order, shop.deliver(order))
    answer = shop.deliver(tampered)
    s.expect(answer.status == ERROR,
             observed=f"the tampered delivery ended with {answer.describe()}",
             expected="an error: same order id, different amount")
    genuine = shop.deliver(order)
    s.expect(genuine.ok, observed=f"a genuine retry after the tampered one ended with "
             f"{genuine.describe()}", expected="the original receipt")
    call_ids = _expect_charged_once(s, shop, [order])
    shop.answers[tampered[0]] = [a for a in shop.answers[tampered[0]] if a is not answer]
    _expect_same_receipts(s, shop, [order], call_ids)
