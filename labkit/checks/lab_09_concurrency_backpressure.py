"""Checks for lab 09 (concurrency and backpressure): drain a backlog without overloading the
downstream, and before a deadline.

The learner edits ``lab09_backpressure.py``, one function (called like a handler, in the check
sandbox, like a deployment script):

``configure(event, context)``: event ``{"function_name", "queue_arn", "downstream_capacity",
"connections_per_execution", "backlog", "deadline_s"}``. With plain boto3 it connects the queue
to the worker function (an event source mapping, BatchSize 10, ReportBatchItemFailures) and sets
the limits so that the downstream never sees more than ``downstream_capacity`` connections at
once: every execution of the worker holds ``connections_per_execution`` connections. It answers
``{"mapping_uuid": ...}``.

Each scenario starts a ``FixedCapacityApi`` (labkit.lessons.backpressure_lesson: a fixed number
of connection slots; a request over the limit is refused with 503 and counted), deploys the worker
(one downstream call per message, each holding ``connections`` slots for ``service_s``), fills
a queue with the backlog, calls ``configure`` and watches the queue drain. Concurrency is read
from the worker's own log lines (start and end of every invocation).

AWS behaviours the checks protect (seed 004: "a backlog of 50,000 messages drained
simultaneously and took down a downstream API"):
  * MaximumConcurrency "limits the number of concurrent instances that the Amazon SQS event
    source can invoke", 2 to 1,000 (Lambda API reference, ScalingConfig); without it Lambda
    starts five concurrent batches and keeps adding pollers while messages are available
    (Lambda Developer Guide, "Configuring scaling behavior for SQS event source mappings");
  * reserved concurrency "sets both the maximum and minimum number of concurrent instances
    allocated to your function" and "can be used for limiting concurrency to prevent
    overwhelming downstream resources, like database connections" (Developer Guide,
    "Configuring reserved concurrency"): it caps every caller together, e.g. a replay job
    invoking the worker directly, which the mapping's limit does not see;
  * "event source mappings don't account for reserved concurrency" (AWS re:Post knowledge
    center, lambda-sqs-scaling): with reserved concurrency below the pollers' concurrency the
    batches are throttled and come back only after their visibility timeout.
Timings are emulated on a shared machine: the drain deadline is stretched by how much slower
the batches actually ran than nominal (see ``drained_in_time``), never shortened.
"""
from __future__ import annotations

import json
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.lab_09_drain import (
    LATE_READ_S, POLL_S, SETTLE_TIMEOUT_S, Drain, allowed_drain_s)
from labkit.labs.lab_09_concurrency_backpressure import BATCH_SIZE, allowed_concurrency, deadline_s
from labkit.lessons import read_json_lines
from labkit.lessons.polling import wait_until

LAB = Lab(
    "09", "Concurrency and backpressure: drain a backlog safely, in time",
    handler_file="lab09_backpressure.py", notebook="09_concurrency_backpressure.ipynb",
    tasks={
        "task-1": "Cap the mapping at what the downstream can take",
        "task-2": "Cap every caller: reserved concurrency",
        "task-3": "Drain before the deadline",
    },
    lesson_sections={
        "task-1": "1 · Draining a backlog, without and with MaximumConcurrency",
        "task-2": "2 · Reserved concurrency: a runaway function cannot starve a critical one",
        "task-3": "3 · What throttling does to each kind of invocation",
    },
)
# -- hidden parameters ---------------------------------------------------------------------

def _world(r: random.Random, allowed: list[int], connections: list[int], backlogs: tuple[int, int],
           service_s: float) -> dict[str, Any]:
    k, n = r.choice(connections), r.choice(allowed)
    return {"capacity": n * k + r.randrange(k), "connections": k,   # a remainder: floor, not round
            "backlog": r.randrange(backlogs[0], backlogs[1] + 1, 10), "service_s": service_s}


# Several connections per execution in the peak and replay worlds: with one, capacity and
# executions are the same number and a limit that ignores connections_per_execution (in the
# mapping or in the reservation) would pass unseen.
def _hidden_peak(r: random.Random) -> dict[str, Any]:
    return _world(r, [2, 3], [2, 3], (60, 120), 0.05)


def _hidden_replays(r: random.Random) -> dict[str, Any]:
    return {**_world(r, [2, 3, 4], [2, 3], (100, 160), 0.1), "replays": r.randint(4, 8)}


def _hidden_deadline(r: random.Random) -> dict[str, Any]:
    return _world(r, [5, 6], [1], (240, 290), 0.1)     # never the public 300


# -- task 1 ----------------------------------------------------------------------------------

@LAB.check("task-1", "peak-within-limit", "concurrent executions never exceed what the downstream "
           "can take", points=3,
           hint="Each execution holds connections_per_execution connections, so at most "
                "downstream_capacity // connections_per_execution executions fit (round down). "
                "Pass ScalingConfig={\"MaximumConcurrency\": that} to create_event_source_mapping "
                "(AWS accepts 2 to 1,000). Without it Lambda adds pollers while there is a backlog.",
           public={"capacity": 5, "connections": 2, "backlog": 100, "service_s": 0.05},
           hidden=_hidden_peak, hidden_count=1)
def peak_within_limit(s: Scenario) -> None:
    drain = Drain(s)
    configured = drain.configure()
    # the behaviour, not the arithmetic that gets there (that is the task)
    allowed = allowed_concurrency(s.params)
    within = (f"at most {allowed} executions at once: each holds "
              f"{s.params['connections']} of the downstream's {s.params['capacity']} connections")
    # read back before the drain: a configuration that lets too many run fails now, not after
    # minutes of overloaded batches coming back one visibility timeout at a time
    permitted = drain.permitted_concurrency()
    s.evidence["permitted_concurrency"] = permitted
    s.expect(permitted <= allowed,
             observed=f"the configuration lets {permitted:g} executions run at once",
             expected=within)
    drain.wait_drained(configured)
    m = drain.measure(drain.invocations())
    s.expect(m["peak_concurrency"] <= m["allowed_concurrency"],
             observed=f"peak of {m['peak_concurrency']} concurrent executions "
                      f"({m['downstream_peak_connections']} connections at the downstream, "
                      f"{m['overload_errors']} overload errors)",
             expected=within)


# -- task 2 ----------------------------------------------------------------------------------

def _replay(drain: Drain, orders: list[str]) -> bool:
    """One synchronous replay call, retried while Lambda throttles it. True when it ran to the
    end (it logged its invocation line); False when the function failed, e.g. timed out on a
    very loaded machine (the downstream still counted whatever it did)."""
    answers: list[dict] = []

    def called() -> bool:
        try:
            answers.append(drain.lam.invoke(FunctionName=drain.worker,
                                            Payload=json.dumps({"replay": orders})))
            return True
        except drain.lam.exceptions.TooManyRequestsException:
            return False
    wait_until(called, timeout=SETTLE_TIMEOUT_S, interval=0.5, what="a throttled replay to get through")
    return "FunctionError" not in answers[-1]


@LAB.check("task-2", "no-overload-errors", "zero overload errors, with a replay job invoking the "
           "worker directly", points=3,
           hint="MaximumConcurrency only limits what the mapping invokes. A replay job calling the "
                "worker directly adds executions on top. Reserved "
                "concurrency caps the function for every caller: put_function_concurrency(..., "
                "ReservedConcurrentExecutions=the same limit), and keep MaximumConcurrency at or "
                "below it.",
           public={"capacity": 6, "connections": 2, "backlog": 150, "service_s": 0.1, "replays": 6},
           hidden=_hidden_replays, hidden_count=1)
def no_overload_errors(s: Scenario) -> None:
    drain = Drain(s)
    configured = drain.configure()
    # A busy machine may overlap fewer replays than a design lets run: the observed errors
    # alone could pass a cap that is too high, so the cap every caller meets is read back too,
    # first (a cap that is too high fails now, not after the overloaded backlog drained).
    allowed = allowed_concurrency(s.params)
    reserved = drain.reserved_concurrency()
    s.evidence["reserved_concurrency"] = None if reserved == float("inf") else reserved
    s.expect(reserved <= allowed,
             observed=("no reserved concurrency: a direct caller is not capped" if reserved == float("inf")
                       else f"reserved concurrency {reserved:g}: that many executions may run at once"),
             expected=f"at most {allowed} executions for every caller, the "
                      f"replay job included ({s.params['connections']} of the downstream's "
                      f"{s.params['capacity']} connections each)")
    # an operator's replay job sends batches of old orders while the queue drains (once the
    # pollers are busy), all at once, retrying a throttled call (429) like any careful client
    wait_until(lambda: drain.in_flight() > 0 or drain.left() == 0, timeout=SETTLE_TIMEOUT_S,
               interval=0.1, what="the mapping to start receiving")
    with ThreadPoolExecutor(s.params["replays"]) as pool:
        completed = list(pool.map(
            lambda i: _replay(drain, [f"replay-{i}-{n}" for n in range(BATCH_SIZE)]),
            range(s.params["replays"])))
    s.evidence["replays_completed"] = sum(completed)
    drain.wait_drained(configured)
    m = drain.measure(drain.invocations(replays=sum(completed)))
    s.expect(m["overload_errors"] == 0,
             observed=f"{m['overload_errors']} overload errors (503): up to "
                      f"{m['downstream_peak_connections']} connections at once, peak of "
                      f"{m['peak_concurrency']} executions",
             expected=f"none: at most {s.params['capacity']} connections, i.e. "
                      f"{m['allowed_concurrency']} executions counting the replays")


# -- task 3 ----------------------------------------------------------------------------------

@LAB.check("task-3", "drained-in-time", "the backlog drains before the deadline, without errors",
           points=3,
           hint="Use all the concurrency the downstream can take, not less: the drain time is "
                "batches / MaximumConcurrency x seconds per batch. Capping with reserved "
                "concurrency alone (or reserving less than MaximumConcurrency) makes the pollers "
                "throttle, and a throttled batch only comes back after the visibility timeout.",
           public={"capacity": 6, "connections": 1, "backlog": 300, "service_s": 0.1},
           hidden=_hidden_deadline, hidden_count=1)
def drained_in_time(s: Scenario) -> None:
    drain = Drain(s)
    configured = drain.configure()
    # Waiting for the queue to empty could take minutes for a configuration that throttles
    # (a throttled batch returns after the visibility timeout). Measured progress says sooner:
    # once twice the deadline as measured so far has passed, the drain is late whatever the
    # machine's speed (the margin covers batches that run slower later on).
    progress = {"read_at": 0.0, "allowed_s": math.inf}

    def drained_or_late() -> str | None:
        if drain.left() == 0:
            return "drained"
        now = time.time()
        if now - configured > 2 * deadline_s(s.params) and now - progress["read_at"] >= LATE_READ_S:
            lines = read_json_lines(drain.logs, drain.worker, drain.since, kind="invocation")
            progress.update(read_at=now, allowed_s=allowed_drain_s(s.params, lines, configured)[0])
        return "late" if now - configured > 2 * progress["allowed_s"] else None

    verdict = wait_until(drained_or_late, timeout=SETTLE_TIMEOUT_S, interval=POLL_S,
                        what="the backlog to drain")
    drain_s = time.time() - configured
    if verdict == "late":
        left = drain.left()
        s.evidence["deadline"] = {"nominal_s": deadline_s(s.params),
                                  "allowed_s": round(progress["allowed_s"], 1),
                                  "gave_up_after_s": round(drain_s, 1), "messages_left": left}
        raise Mismatch(f"{left} of {s.params['backlog']} messages still queued {drain_s:.0f} s "
                       f"after configure: more than twice the {progress['allowed_s']:.1f} s this "
                       "machine allows, as measured from the batches so far (too little "
                       "concurrency drains slowly; a throttled batch comes back only after the "
                       "visibility timeout)",
                       f"the backlog drained within {progress['allowed_s']:.1f} s (deadline "
                       f"{deadline_s(s.params)} s, stretched by how slowly batches ran here)")
    lines = drain.invocations()
    m = drain.measure(lines)
    allowed, stretch, startup_s = allowed_drain_s(s.params, lines, configured)
    s.evidence["deadline"] = {"nominal_s": deadline_s(s.params), "stretch": round(stretch, 2),
                              "startup_s": round(startup_s, 1), "allowed_s": round(allowed, 1),
                              "drain_s": round(drain_s, 1)}
    s.expect(drain_s <= allowed and m["overload_errors"] == 0,
             observed=f"drained in {drain_s:.1f} s with {m['overload_errors']} overload errors, "
                      f"peak of {m['peak_concurrency']} executions",
             expected=f"within {allowed:.1f} s (deadline {deadline_s(s.params)} s, x {stretch:.2f} "
                      f"for batches slower than nominal here, + {startup_s:.1f} s to the first "
                      f"execution) and no overload errors")
