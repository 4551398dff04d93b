"""Checks for lab 10 (the front door): make a checkout endpoint survive a burst within its SLO.

The learner edits ``lab10_front_door.py``; the checks deploy it as Lambda functions behind
HTTP APIs (Lambda proxy, payload 2.0) on the backend, and call the APIs over HTTP:

``checkout(event, context)`` (task 1): ``POST /orders`` with ``{"order_id", "amount"}`` and
maybe an ``Idempotency-Key`` header. It charges the provider (the given ``charge(order)``) and
answers 200; a resend of an order already accepted (same key, or the order id without a key)
is answered 409 and charges nothing. The API's integration timeout is short and the provider
sometimes hangs past it, so the client sees 503 and resends (seed 003: a 3 s gateway timeout
and cold starts; lesson 10, section 2).

``accept(event, context)`` and ``worker(event, context)`` (task 2): ``POST /orders`` is
validated (400 for an invalid order), put on the queue $QUEUE_URL and answered 202 without
waiting for the provider (seed 004: "202 Accepted in about 50 ms"); the worker, fed by the
queue, charges every valid order exactly once, resends and duplicate messages included.

``call_with_retries(send, max_attempts, base_s, cap_s, sleep)`` (task 3): the client side. It
retries 429 and 503 with exponential backoff and full jitter (a wait drawn from 0 to
min(cap_s, base_s x 2^n) before retry n, asked of ``sleep``), never a 4xx answer like 400 or
409, and at most ``max_attempts`` calls in all (AWS Architecture Blog, "Exponential Backoff And
Jitter"; API Gateway answers 429 before anything runs: "Throttling requests to your HTTP API").
It runs in the check sandbox (labkit.checks.lab_10_client) against a throttled route.

Verdicts come from counts and order, not speed: charges counted by the provider, statuses
seen by the clients, waits asked of ``sleep``; where the machine could be the cause (a resend
that met a cold start longer than the integration timeout, a burst too slow to be throttled)
a scenario is inconclusive and runs again.
"""
from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labkit.checks.framework import Inconclusive, Lab, Scenario
from labkit.checks.lab_10_world import HANG_LIMIT_S, Backend, Provider
from labkit.lessons.front_door_lesson import http_call
from labkit.lessons.logs import wait_for_reports

LAB = Lab(
    "10", "The front door: survive a burst within the SLO", handler_file="lab10_front_door.py",
    notebook="10_front_door.ipynb",
    tasks={
        "task-1": "A resend after a gateway timeout does not charge twice",
        "task-2": "Accept, queue, answer 202",
        "task-3": "A client that survives 429",
    },
    lesson_sections={
        "task-1": "2 · The integration timeout: the caller gives up, the function does not",
        "task-2": "3 · Accept, queue, answer 202",
        "task-3": "4 · Throttling: 429, and what the client must do",
    },
)
INTEGRATION_TIMEOUT_MS = 2000   # task 1's API; a hanging order's charge outlasts the resends
ACCEPT_TIMEOUT_MS = 8000        # task 2's API: a held provider never answers within it
FUNCTION_TIMEOUT_S = 30         # the function outlives the gateway's wait, as on AWS (and a
                                # cold start on a very loaded machine)
WORKER_TIMEOUT_S = 20           # task 2's worker waits while the provider is held
VISIBILITY_S = 6 * WORKER_TIMEOUT_S
SETTLE_S = 90.0                 # everything charged, on a very loaded machine
GATEWAY_GAVE_UP = (503, 504)


def _ids(r: random.Random, prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{r.randrange(10**6):06d}-{i}" for i in range(n)]


def _warm(s: Scenario, name: str, url: str, bodies: list[Any]) -> None:
    """Send the bodies at once and wait until every invocation ended (the environments they
    started are then idle, ready for the scenario)."""
    since = time.time() - 1
    with ThreadPoolExecutor(len(bodies)) as pool:
        list(pool.map(lambda body: http_call(url, "POST", body, timeout=60), bodies))
    wait_for_reports(s.client("logs"), name, len(bodies), since=since, timeout=SETTLE_S)


# -- task 1 ------------------------------------------------------------------------------------

def _hidden_resends(r: random.Random) -> dict[str, Any]:
    ids = _ids(r, "ord", r.randint(2, 3))
    orders = [{"order_id": o, "amount": r.randrange(100, 100_000), "hang": i == 0 or r.random() < 0.5,
               "sends": r.randint(2, 3), "key": r.choice([None, f"key-{r.randrange(10**8)}"]),
               "together": i == len(ids) - 1}
              for i, o in enumerate(ids)]
    return {"orders": orders}


@LAB.check("task-1", "retry-charges-once", "a resend after a gateway timeout charges nothing",
           points=3,
           hint="The gateway gives up (503) but your function runs on and charges: the "
                "client's resend must find the order already taken. Before charging, claim "
                "the Idempotency-Key header (or the order id when there is none) with a "
                "conditional put (attribute_not_exists) and answer 409 when the claim fails.",
           public={"orders": [{"order_id": "ord-1001", "amount": 2500, "hang": True, "sends": 2,
                               "key": "key-ord-1001", "together": False}]},
           hidden=_hidden_resends)
def retry_charges_once(s: Scenario) -> None:
    orders = s.params["orders"]
    backend = Backend(s)
    provider = Provider({o["order_id"] for o in orders if o["hang"]})
    s.on_cleanup(provider.stop)
    name, arn = backend.learner_function(
        "checkout", FUNCTION_TIMEOUT_S, {"ORDERS_TABLE": backend.table(),
                                         "PROVIDER_URL": provider.url}, LAB.handler_file)
    url = backend.http_api(arn, ["POST /orders"], timeout_ms=INTEGRATION_TIMEOUT_MS) + "/orders"
    # warm environments for every send that can be in flight at once (one waiting on the
    # provider, one resend, per order), so that a resend's answer is not a cold start's
    _warm(s, name, url, [{"order_id": f"warm-{s.namespace}-{i}", "amount": 1}
                         for i in range(2 * len(orders))])
    since = time.time()

    def post(order: dict[str, Any]) -> int:
        headers = {"Idempotency-Key": order["key"]} if order["key"] else {}
        return http_call(url, "POST", {"order_id": order["order_id"], "amount": order["amount"]},
                         headers=headers, timeout=30)["status"]

    def client(order: dict[str, Any]) -> list[int]:
        """The first send (two copies at once when `together`), then resends, one by one."""
        first = 2 if order["together"] else 1
        with ThreadPoolExecutor(first) as pool:
            statuses = list(pool.map(lambda _: post(order), range(first)))
        return statuses + [post(order) for _ in range(order["sends"] - 1)]

    with ThreadPoolExecutor(len(orders)) as pool:
        answers = dict(zip([o["order_id"] for o in orders], pool.map(client, orders)))
    provider.release_hanging()   # every resend was answered while the first charge still hung
    s.evidence["answers"] = answers
    sent = sum(len(a) for a in answers.values())
    wait_for_reports(s.client("logs"), name, sent, since=since, timeout=SETTLE_S)  # all ended
    charges = provider.count()
    s.evidence["charges"] = charges
    for order in orders:
        n, got = charges.get(order["order_id"], 0), answers[order["order_id"]]
        s.expect(n <= 1, observed=f"order {order['order_id']} charged {n} times; its client saw "
                 f"{got}", expected="one charge per order, however often the client sends it")
        s.expect(n == 1, observed=f"order {order['order_id']} never charged; its client saw {got}",
                 expected="the first send to charge the order")
    for order in orders:
        got = answers[order["order_id"]]
        s.expect(all(a in (200, 409, *GATEWAY_GAVE_UP) for a in got),
                 observed=f"order {order['order_id']} answered {got}",
                 expected="200 for the send that charged, 409 for the others (503 when the "
                          "gateway gave up waiting)")
        # the send that charged waited on a hanging provider longer than the gateway waits
        most = 0 if order["hang"] else 1
        s.expect(got.count(200) <= most,
                 observed=f"order {order['order_id']} answered {got}"
                          f"{' (its provider hangs past the integration timeout)' if order['hang'] else ''}",
                 expected="409 for every send of an order after the one that charged")
        if got.count(409) < len(got) - 1:   # resends the gateway gave up on: cold starts?
            raise Inconclusive(f"order {order['order_id']} answered {got}: a resend timed out at "
                               f"the gateway (a slow start of the function?)",
                               "409 for every send after the one that charged")
    if provider.hangs_cut_short:
        # a hanging charge that answered on its own before the resends were all answered: a
        # resend may have come after the charge ended, and then a design that charges twice
        # in the race (one that records the order after charging) never met the race
        raise Inconclusive(f"{provider.hangs_cut_short} hanging charge(s) answered after "
                           f"{HANG_LIMIT_S:.0f} s, before every resend was answered (the machine "
                           f"was too busy for the resends to race the charge)",
                           "every resend answered while the first charge still hangs")


# -- task 2 ------------------------------------------------------------------------------------

INVALID_BODIES = {
    "no order id": {"amount": 1200}, "empty order id": {"order_id": "", "amount": 1200},
    "zero amount": {"order_id": "ord-z", "amount": 0},
    "negative amount": {"order_id": "ord-n", "amount": -700},
    "amount as text": {"order_id": "ord-t", "amount": "1200"},
    "fractional amount": {"order_id": "ord-f", "amount": 12.5},
    "no amount": {"order_id": "ord-m"}, "not JSON": "{order_id: 1",
}
AMOUNT_KINDS = ["zero amount", "negative amount", "amount as text", "fractional amount",
                "no amount"]
ID_KINDS = ["no order id", "empty order id", "not JSON"]


def _invalid(kind: str, tag: str) -> Any:
    body = INVALID_BODIES[kind]
    if isinstance(body, dict) and body.get("order_id"):
        body = {**body, "order_id": f"{body['order_id']}-{tag}"}
    return body


def _hidden_orders(r: random.Random) -> dict[str, Any]:
    kinds = [r.choice(AMOUNT_KINDS), r.choice(ID_KINDS)]
    kinds += r.sample([k for k in INVALID_BODIES if k not in kinds], r.randint(0, 2))
    ids = _ids(r, "ord", r.randint(4, 7))
    return {"valid": [[o, r.randrange(100, 100_000)] for o in ids], "invalid": kinds,
            "resent": r.sample(ids, r.randint(1, 2)), "tag": f"{r.randrange(10**6):06d}"}


class _Shop:
    """Accept function behind the API, queue, worker fed by the queue, and the provider."""

    def __init__(self, s: Scenario, worker: bool = True):
        self.s, backend = s, Backend(s)
        self.backend = backend
        self.provider = Provider()
        s.on_cleanup(self.provider.stop)
        table = backend.table()
        self.queue_url, queue_arn = backend.queue(VISIBILITY_S)
        env = {"ORDERS_TABLE": table, "PROVIDER_URL": self.provider.url,
               "QUEUE_URL": self.queue_url}
        self.accept, accept_arn = backend.learner_function("accept", FUNCTION_TIMEOUT_S, env,
                                                           LAB.handler_file)
        if worker:   # without it, every charge the provider sees comes from the accept function
            name, _ = backend.learner_function("worker", WORKER_TIMEOUT_S, env, LAB.handler_file)
            backend.connect(queue_arn, name)
        self.url = backend.http_api(accept_arn, ["POST /orders"],
                                    timeout_ms=ACCEPT_TIMEOUT_MS) + "/orders"
        self.answers: list[dict[str, Any]] = []
        s.evidence["answers"] = self.answers

    def post_all(self, bodies: list[tuple[str, Any]]) -> dict[str, list[int]]:
        """(label, body) pairs from 4 clients at once -> label -> statuses."""
        def post(item):
            label, body = item
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            status = http_call(self.url, "POST", raw, timeout=30)["status"]
            self.answers.append({"order": label, "status": status})
            return label, status
        found: dict[str, list[int]] = {}
        with ThreadPoolExecutor(4) as pool:
            for label, status in pool.map(post, bodies):
                found.setdefault(label, []).append(status)
        return found

    def bodies(self) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
        p = self.s.params
        valid = [(o, {"order_id": o, "amount": a}) for o, a in p["valid"]]
        invalid = [(kind, _invalid(kind, p["tag"])) for kind in p["invalid"]]
        order = valid + invalid
        random.Random(p["tag"]).shuffle(order)
        return order, [(o, dict(b)) for o, b in valid if o in p["resent"]]


PUBLIC_ORDERS = {"valid": [["ord-2001", 1500], ["ord-2002", 700], ["ord-2003", 4200],
                           ["ord-2004", 99]],
                 "invalid": ["empty order id", "negative amount", "not JSON"],
                 "resent": ["ord-2002"], "tag": "public"}


@LAB.check("task-2", "accepts-before-charging", "valid orders get 202 while the provider is stuck;"
           " invalid ones 400", points=3,
           hint="The accept function must not call the provider at all: validate the body "
                "(order_id a non-empty string, amount a whole number above 0), send the order "
                "to the queue with sqs.send_message, and answer 202. An invalid order gets 400 "
                "and is never queued.",
           public=PUBLIC_ORDERS, hidden=_hidden_orders)
def accepts_before_charging(s: Scenario) -> None:
    shop = _Shop(s, worker=False)
    burst, resends = shop.bodies()
    # warm-up: invalid orders from 4 clients at once start the environments the burst meets
    _warm(s, shop.accept, shop.url, [{"warm-up": i} for i in range(4)])
    shop.provider.hold()          # no charge is answered until every client has its answer
    try:
        got = shop.post_all(burst + resends)
    finally:
        shop.provider.release()
    called = shop.provider.charges()
    s.evidence["charges"] = called
    s.expect(not called, observed=f"the payment provider was called {len(called)} times while "
             f"orders were being accepted (answers: {got})",
             expected="no call to the provider before the answer: the worker charges later")
    valid = [label for label, _ in burst if label not in INVALID_BODIES]
    for label, statuses in got.items():
        want = 400 if label in INVALID_BODIES else 202
        if set(statuses) <= {want, *GATEWAY_GAVE_UP} and not set(statuses) <= {want}:
            raise Inconclusive(f"order {label} answered {statuses}: the gateway gave up waiting "
                               f"though the provider was never called (a slow start?)",
                               f"{want} within the integration timeout")
        s.expect(set(statuses) == {want},
                 observed=f"{'an invalid order (' + label + ')' if want == 400 else 'order ' + label}"
                          f" answered {statuses}",
                 expected="202 for a valid order; 400 for one without a non-empty order_id or a "
                          "whole amount above 0")
    queued = shop.backend.messages_left(shop.queue_url)
    s.evidence["queued"] = queued
    s.expect(len(valid) <= queued <= len(valid) + len(resends),
             observed=f"{queued} messages on the queue after {len(valid)} valid orders "
                      f"({len(resends)} sent twice) and {len(got) - len(valid)} invalid ones",
             expected=f"one message per accepted order ({len(valid)}, or one more per resend); "
                      f"none for an invalid order")


@LAB.check("task-2", "charges-each-once", "the worker charges every valid order once, invalid "
           "ones never", points=2,
           hint="A resent order is a second message for the same order id, and SQS may deliver "
                "one message twice: claim the order id with a conditional put before charging in "
                "the worker, and skip the charge when the claim fails. Invalid orders must never "
                "reach the queue.",
           public=PUBLIC_ORDERS, hidden=_hidden_orders)
def charges_each_once(s: Scenario) -> None:
    shop = _Shop(s)
    burst, resends = shop.bodies()
    _warm(s, shop.accept, shop.url, [{"warm-up": i} for i in range(4)])
    since = time.time() - 1
    shop.post_all(burst)
    shop.post_all(resends)      # the clients that did not get (or trust) their 202 send again
    # SQS delivers at least once: one order's message comes a second time, as a standard queue
    # may deliver it (a front door that lets each order in once does not make the charge once)
    again_id, again_amount = s.params["valid"][0]
    s.client("sqs").send_message(QueueUrl=shop.queue_url, MessageBody=json.dumps(
        {"order_id": again_id, "amount": again_amount}))
    valid = [o for o, _ in s.params["valid"]]
    # every accept invocation has ended (one the gateway gave up on may still be sending), and
    # a message leaves the queue only once the worker's invocation that got it has returned:
    # then an empty queue means every charge the worker will make is made
    wait_for_reports(s.client("logs"), shop.accept, len(burst) + len(resends), since=since,
                     timeout=SETTLE_S)
    s.settle(lambda: shop.backend.messages_left(shop.queue_url) == 0, timeout=SETTLE_S,
             what="the queue to drain")
    charges = shop.provider.count()
    s.evidence["charges"] = charges
    never = [o for o in valid if not charges.get(o)]
    told = {}
    for a in shop.answers:
        told.setdefault(a["order"], []).append(a["status"])
    if never and all(set(told.get(o, [])) <= set(GATEWAY_GAVE_UP) for o in never):
        raise Inconclusive(f"{len(never)} valid orders never charged, and the gateway gave up "
                           f"waiting for every send of them (answers {[told.get(o) for o in never]}"
                           f"): the accept function may not have run to the end",
                           "an answer for every order within the integration timeout")
    twice = {o: n for o, n in charges.items() if o in valid and n > 1}
    stray = {o: n for o, n in charges.items() if o not in valid}
    s.expect(not never, observed=f"{len(never)} of {len(valid)} valid orders never charged "
             f"({shop.backend.messages_left(shop.queue_url)} messages left on the queue)",
             expected="every valid order charged once the queue drains")
    s.expect(not twice, observed=f"{len(twice)} orders charged more than once: {twice}",
             expected="one charge per order, resent orders and messages delivered twice included")
    s.expect(not stray, observed=f"{sum(stray.values())} charges for invalid orders",
             expected="no charge for an order answered 400")


from labkit.checks import lab_10_clients  # noqa: E402,F401 - task 3's checks register on LAB
