"""The capstone's chaos schedules: which orders are sent, and which faults of the earlier
lessons hit the system while they are processed. A schedule is plain JSON (a check's
parameters), drawn from a seed for the hidden ones.

    orders            [{"id", "amount", "sku", "poison", "copies", "flaky"}]: a poison
                      order's body is not JSON (lesson 03); copies > 1: the producer sent it
                      again (lesson 02); a sku starting "sold-out": the warehouse refuses it,
                      the saga refunds (lesson 05); flaky > 0: the payments API fails that many
                      calls about the order, transiently (lesson 03)
    capacity          the warehouse's connection slots (lesson 09)
    crashes           charges after which the environment dies, before it can record or
                      answer anything (lesson 02)
    refund_outage     refund calls that fail before the refunds API is back: an outage of the
                      compensation (lesson 05)
Orders come in two waves: every order that is neither flaky nor sold out at once (a backlog
spike, met by cold environments: lessons 06, 09), during which the crashes happen; then the
flaky and the sold-out ones, so that a batch a crash sends back never hides how a failure or a
compensation was handled.
"""
from __future__ import annotations

import json
import random
from typing import Any

from labkit.lessons.capstone_warehouse import SOLD_OUT_PREFIX

SKUS = ["mug", "tee", "cap", "tote", "pin"]


def _order(i: int, r: random.Random, *, poison=False, sold_out=False, copies=1,
           flaky=0) -> dict[str, Any]:
    sku = f"{SOLD_OUT_PREFIX}-{r.choice(SKUS)}" if sold_out else r.choice(SKUS)
    return {"id": f"o-{i:03d}-{r.randrange(16**4):04x}", "amount": r.randrange(500, 20_000),
            "sku": sku, "poison": poison, "copies": copies, "flaky": flaky}


def schedule(r: random.Random, orders: int, poison: int, sold_out: int, duplicated: int,
             capacity: int, flaky: int, crashes: int, refund_outage: int,
             max_copies: int = 2, max_flaky: int = 2) -> dict[str, Any]:
    kinds = (["poison"] * poison + ["sold-out"] * sold_out + ["flaky"] * flaky
             + ["ok"] * (orders - poison - sold_out - flaky))
    r.shuffle(kinds)
    twice = set(r.sample([i for i, k in enumerate(kinds) if k in ("ok", "sold-out")], duplicated))
    return {"orders": [_order(i, r, poison=k == "poison", sold_out=k == "sold-out",
                              copies=r.randint(2, max_copies) if i in twice else 1,
                              flaky=r.randint(1, max_flaky) if k == "flaky" else 0)
                       for i, k in enumerate(kinds)],
            "capacity": capacity, "crashes": crashes, "refund_outage": refund_outage}


def public_schedule() -> dict[str, Any]:
    """What the lab's checker cell runs: small, every fault once or twice."""
    return schedule(random.Random("capstone-public"), orders=14, poison=1, sold_out=2,
                    duplicated=2, capacity=4, flaky=2, crashes=1, refund_outage=2)


def hidden_schedule(r: random.Random) -> dict[str, Any]:
    """A hidden schedule: other sizes, other faults, and sometimes nothing to park at all."""
    return schedule(r, orders=r.randint(16, 24), poison=r.choice([0, 1, 2]), sold_out=r.randint(1, 3),
                    duplicated=r.randint(1, 4), capacity=r.randint(2, 3),
                    flaky=r.randint(2, 3), crashes=r.randint(1, 2),
                    refund_outage=r.randint(2, 3), max_copies=3, max_flaky=3)


# -- what a schedule says about its orders ----------------------------------------------------

def body(order: dict[str, Any], run: str) -> str:
    """A message body, unique to the run: a poison order's is broken JSON."""
    if order["poison"]:
        return '{"id": "%s", "amount": %d, "run": "%s"' % (order["id"], order["amount"], run)
    return json.dumps({"id": order["id"], "amount": order["amount"], "sku": order["sku"],
                       "run": run})


def valid(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in s["orders"] if not o["poison"]]


def poison(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in s["orders"] if o["poison"]]


def sold_out(order: dict[str, Any]) -> bool:
    return order["sku"].startswith(SOLD_OUT_PREFIX)


def waves(s: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the spike, then the flaky and sold-out orders: see the module's docstring)."""
    later = [o for o in s["orders"] if o["flaky"] or sold_out(o)]
    return [o for o in s["orders"] if o not in later], later
