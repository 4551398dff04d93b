"""Lab 10, task 3's checks: the learner's ``call_with_retries`` in clients (the check sandbox,
labkit.checks.lab_10_client) against a throttled route of an HTTP API on the backend.

The route's function (the checks' own) answers ``GET /orders/{id}``: 200, except ids
``bad-...`` (400: a request that will never succeed), ``taken-...`` (409) and ``busy-...`` (503
on a client's first two attempts: a gateway that gave up, worth another try; served on a route
of their own that is not throttled, so that the 503 always comes). Throttled requests (429)
never reach it. Judged from what the clients recorded: every attempt's status
and every wait asked of ``sleep``, not from how long anything took.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from labkit.checks.framework import Inconclusive, Scenario
from labkit.checks.lab_10_front_door import LAB
from labkit.checks.lab_10_world import Backend

RETRYABLE = (429, 503)
NOT_RETRYABLE = (400, 409)
CLIENT_FILE = str(Path(__file__).with_name("lab_10_client.py"))
ROUTE = "GET /orders/{id}"            # throttled
BUSY_ROUTE = "GET /busy/{id}"         # not throttled: a busy id's first attempt always gets 503
STATUS_SOURCE = '''
import json


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    attempt = int({k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-attempt", "1"))
    status = 200
    if order_id.startswith("bad-"):
        status = 400
    elif order_id.startswith("taken-"):
        status = 409
    elif order_id.startswith("busy-") and attempt <= 2:
        status = 503
    return {"statusCode": status, "body": json.dumps({"order_id": order_id, "status": status})}
'''


def _run_clients(s: Scenario, paths: list[str], rate: float, burst: int) -> list[dict[str, Any]]:
    """Deploy the route with these limits, run one client per path at once; what they saw."""
    backend = Backend(s)
    _, arn = backend.own_function("status", STATUS_SOURCE)
    url = backend.http_api(arn, [ROUTE, BUSY_ROUTE], route_limits={ROUTE: (rate, burst)})
    fn = s.function({"LEARNER_FILE": s.target.handler_path, "LABKIT_HANDLER_NAME": "clients"},
                    timeout_s=300.0)
    fn.handler_path = CLIENT_FILE
    p = s.params
    result = fn.invoke({"url": url, "paths": paths, "max_attempts": p["max_attempts"],
                        "base_s": p["base_s"], "cap_s": p["cap_s"]})
    s.expect(result.ok, observed=f"the clients could not run: {result.describe()}",
             expected="call_with_retries(send, max_attempts, base_s, cap_s, sleep=...) to run")
    clients = result.payload
    s.evidence["clients"] = clients
    for c in clients:
        s.expect("error" not in c, observed=f"call_with_retries raised {c.get('error')}",
                 expected="the status of the last attempt, returned (not raised)")
        statuses = [a[2] for a in c["attempts"]]
        s.expect(c.get("returned") == (statuses[-1] if statuses else None),
                 observed=f"call_with_retries returned {c.get('returned')!r} after attempts "
                          f"answered {statuses}",
                 expected="the status of the last attempt")
        s.expect(len(statuses) <= p["max_attempts"],
                 observed=f"a client made {len(statuses)} attempts",
                 expected=f"at most max_attempts={p['max_attempts']}")
    return clients


def _statuses(client: dict[str, Any]) -> list[int]:
    return [a[2] for a in client["attempts"]]


def _limits(r: random.Random) -> dict[str, Any]:
    return {"rate": r.choice([4, 5, 6, 8]), "burst": r.randint(2, 4), "max_attempts": 10,
            "base_s": round(r.uniform(0.08, 0.12), 3), "cap_s": 1.0}


# -- retries what may succeed -------------------------------------------------------------------

@LAB.check("task-3", "retries-throttled", "every throttled or busy request gets through",
           points=3,
           hint="Call send() again while it answers 429 or 503, waiting before each retry, and "
                "stop at max_attempts calls in all. Return the last status.",
           public={"plain": 6, "busy": 2, "rate": 5, "burst": 3, "max_attempts": 10,
                   "base_s": 0.1, "cap_s": 1.0},
           hidden=lambda r: {"plain": r.randint(5, 8), "busy": r.randint(1, 2), **_limits(r)})
def retries_throttled(s: Scenario) -> None:
    p = s.params
    paths = [f"/orders/ord-{i}" for i in range(p["plain"])] + \
            [f"/busy/busy-{i}" for i in range(p["busy"])]
    clients = _run_clients(s, paths, p["rate"], p["burst"])
    lost = [c for c in clients if _statuses(c)[-1:] != [200]]
    s.expect(not lost, observed=f"{len(lost)} of {len(clients)} requests ended with "
             f"{sorted({_statuses(c)[-1] for c in lost if _statuses(c)})} (e.g. attempts "
             f"{_statuses(lost[0]) if lost else []})",
             expected="every request to end with 200: 429 and 503 are worth another try")
    if not any(429 in _statuses(c) for c in clients):
        raise Inconclusive("no request was throttled (the machine sent the burst slowly)",
                           "a burst over the route's limit, answered 429 at first")


# -- stops at what never succeeds ----------------------------------------------------------------

@LAB.check("task-3", "no-retry-client-errors", "a 400 or 409 is never sent again", points=2,
           hint="Only 429 and 503 are worth another try: a 400 (the request is wrong) or a 409 "
                "(already done) answers the same every time. Return it at once.",
           public={"bad": 2, "taken": 2, "plain": 2, "rate": 5, "burst": 3, "max_attempts": 10,
                   "base_s": 0.1, "cap_s": 1.0},
           hidden=lambda r: {"bad": r.randint(1, 3), "taken": r.randint(1, 3),
                             "plain": r.randint(1, 3), **_limits(r)})
def no_retry_client_errors(s: Scenario) -> None:
    p = s.params
    paths = [f"/orders/bad-{i}" for i in range(p["bad"])] + \
            [f"/orders/taken-{i}" for i in range(p["taken"])] + \
            [f"/orders/ord-{i}" for i in range(p["plain"])]
    clients = _run_clients(s, paths, p["rate"], p["burst"])
    for c in clients:
        statuses = _statuses(c)
        final = [i for i, status in enumerate(statuses) if status in NOT_RETRYABLE]
        s.expect(not final or final[0] == len(statuses) - 1,
                 observed=f"a request answered {statuses[final[0]] if final else ''} was sent "
                          f"again: attempts answered {statuses}",
                 expected="no attempt after a 400 or 409 (it would answer the same)")
        wanted = 400 if "/bad-" in c["path"] else 409 if "/taken-" in c["path"] else 200
        s.expect(statuses[-1:] == [wanted],
                 observed=f"a request that the API answers {wanted} ended with attempts {statuses}",
                 expected=f"{wanted} in the end (after any 429s)")


# -- gives up, with growing, jittered waits ------------------------------------------------------

def _bound(p: dict[str, Any], n: int) -> float:
    return min(p["cap_s"], p["base_s"] * 2 ** n)


@LAB.check("task-3", "gives-up-with-jitter", "a closed route: max_attempts calls, waits that grow "
           "and differ between clients", points=2,
           hint="Before retry n (n = 0 for the first retry) call sleep(random.uniform(0, "
                "min(cap_s, base_s * 2 ** n))): full jitter. The same wait for every client "
                "makes them all come back at the same moment and be throttled together again.",
           public={"clients": 6, "max_attempts": 5, "base_s": 0.1, "cap_s": 0.4},
           hidden=lambda r: {"clients": r.randint(5, 7), "max_attempts": r.randint(5, 6),
                             "base_s": round(r.uniform(0.05, 0.1), 3),
                             "cap_s": round(r.uniform(0.3, 0.45), 2)})
def gives_up_with_jitter(s: Scenario) -> None:
    p = s.params
    clients = _run_clients(s, [f"/orders/ord-{i}" for i in range(p["clients"])], 1.0, 0)
    for c in clients:
        statuses = _statuses(c)
        s.expect(len(statuses) == p["max_attempts"],
                 observed=f"a client gave up after {len(statuses)} attempts, all answered 429",
                 expected=f"max_attempts={p['max_attempts']} attempts, then the last 429 returned")
        s.expect(len(c["waits"]) == len(statuses) - 1,
                 observed=f"{len(c['waits'])} waits asked of sleep for {len(statuses)} attempts",
                 expected="one wait before every retry, through the sleep passed in")
        for n, wait in enumerate(c["waits"]):
            s.expect(0 <= wait <= _bound(p, n) + 1e-9,
                     observed=f"a wait of {wait:.3f} s before retry {n}",
                     expected=f"between 0 and min(cap_s, base_s x 2^{n}) = {_bound(p, n):.3f} s")
    waits = [(n, w) for c in clients for n, w in enumerate(c["waits"])]
    short = sum(1 for n, w in waits if w < 0.9 * _bound(p, n))
    s.expect(2 * short >= len(waits),
             observed=f"{len(waits) - short} of {len(waits)} waits were the full backoff: the "
                      f"clients retried at the same moments",
             expected="random waits (full jitter: from 0 to the backoff), different for every client")
    later = [w for n, w in waits if n >= 2]
    s.expect(bool(later) and max(later) > p["base_s"],
             observed=f"the longest wait from retry 2 on was {max(later, default=0):.3f} s",
             expected=f"waits that grow: the backoff doubles from base_s={p['base_s']} s "
                      f"up to cap_s={p['cap_s']} s")
