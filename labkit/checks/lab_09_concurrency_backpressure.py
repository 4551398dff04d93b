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

from labkit.checks.framework import Inconclusive, Lab, Scenario
from labkit.deploy import deploy_function
from labkit.lessons import read_json_lines, read_log_messages
from labkit.lessons.backpressure_lesson import FixedCapacityApi
from labkit.lessons.concurrency import peak_concurrency
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
BATCH_SIZE = 10
FUNCTION_TIMEOUT_S = 5     # a batch takes ~0.5-1 s; a 2-core machine grading a class can be 3x slower
VISIBILITY_TIMEOUT_S = 6 * FUNCTION_TIMEOUT_S   # the 6x rule of lesson 01
CONFIGURE_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 240.0                    # everything served, on a very loaded machine
DEADLINE_FACTOR, DEADLINE_SLACK_S = 1.5, 4.0
POLL_S = 0.5            # many scenarios poll one backend side by side: not more often than this

WORKER_SOURCE = '''
import json, os, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor

DOWNSTREAM = os.environ["DOWNSTREAM_URL"]
CONNECTIONS = int(os.environ["CONNECTIONS"])
pool = ThreadPoolExecutor(CONNECTIONS)


def call(message_id, part):
    request = urllib.request.Request(f"{DOWNSTREAM}/work?id={message_id}-{part}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
        return True
    except (urllib.error.HTTPError, OSError):
        return False


def process(message_id):
    """One message = CONNECTIONS downstream calls at the same time (e.g. fetch and write).
    Every call ends before the next message: all() over the map would stop at the first
    failure and leave the others in flight, holding more connections than CONNECTIONS."""
    return all(list(pool.map(lambda part: call(message_id, part), range(CONNECTIONS))))


def handler(event, context):
    started = time.time()
    replay = "Records" not in event          # invoked directly with old orders, not by the mapping
    records = [{"messageId": m} for m in event["replay"]] if replay else event["Records"]
    failed = [r["messageId"] for r in records if not process(r["messageId"])]
    print(json.dumps({"kind": "invocation", "started": started, "ended": time.time(),
                      "replay": replay, "messages": len(records), "failed": len(failed)}))
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
'''


def allowed_concurrency(params: dict[str, Any]) -> int:
    """Executions the downstream can take at once: whole executions' worth of connections."""
    return params["capacity"] // params["connections"]


def nominal_drain_s(params: dict[str, Any]) -> float:
    """The model: batches / concurrency x seconds per batch, at the allowed concurrency."""
    batches = math.ceil(params["backlog"] / BATCH_SIZE)
    return batches / allowed_concurrency(params) * BATCH_SIZE * params["service_s"]


def deadline_s(params: dict[str, Any]) -> float:
    return round(DEADLINE_FACTOR * nominal_drain_s(params) + DEADLINE_SLACK_S, 1)


class _Drain:
    """One scenario's world: downstream, worker, queue filled with the backlog."""

    def __init__(self, s: Scenario):
        self.s, self.p = s, s.params
        self.lam, self.sqs, self.logs = s.client("lambda"), s.client("sqs"), s.client("logs")
        self.api = FixedCapacityApi(self.p["capacity"], service_time_s=self.p["service_s"]).start()
        s.on_cleanup(self.api.stop)
        self.worker = f"{s.namespace}-worker"[:64]
        deploy_function(self.lam, self.worker, WORKER_SOURCE, Timeout=FUNCTION_TIMEOUT_S,
                        Environment={"Variables": {"DOWNSTREAM_URL": self.api.url,
                                                   "CONNECTIONS": str(self.p["connections"])}})
        s.on_cleanup(self._delete_worker)
        s.on_failure_ask(self._unless_a_batch_timed_out)
        self.queue_url = self.sqs.create_queue(
            QueueName=f"{s.namespace}-backlog"[:80],
            Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT_S)})["QueueUrl"]
        s.on_cleanup(lambda: self.sqs.delete_queue(QueueUrl=self.queue_url))
        self.queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for start in range(0, self.p["backlog"], 10):
            self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps({"n": start + i})}
                for i in range(min(10, self.p["backlog"] - start))])
        self.since = time.time() - 1

    def _unless_a_batch_timed_out(self) -> None:
        """A batch that ran out of the function's timeout (about 1 s of work against 5 s: a
        machine too loaded to run it) comes back only after the visibility timeout, and its
        executions' downstream calls may outlive them: what the scenario measured then says
        more about the machine than about the configuration. Run it again."""
        timed_out = sum("Task timed out" in event["message"]
                        for event in read_log_messages(self.logs, self.worker, self.since))
        if timed_out:
            raise Inconclusive(f"{timed_out} batch(es) of the worker timed out after "
                               f"{FUNCTION_TIMEOUT_S} s (the machine was too slow?)",
                               "every batch done within the function's timeout")

    def _delete_worker(self) -> None:
        for mapping in self.lam.list_event_source_mappings(FunctionName=self.worker)["EventSourceMappings"]:
            self.lam.delete_event_source_mapping(UUID=mapping["UUID"])
        self.lam.delete_function(FunctionName=self.worker)
        self.logs.delete_log_group(logGroupName=f"/aws/lambda/{self.worker}")

    def configure(self) -> float:
        """Call the learner's configure; return when it did (the drain clock starts there)."""
        fn = self.s.function({"LABKIT_HANDLER_NAME": "configure"}, timeout_s=CONFIGURE_TIMEOUT_S)
        event = {"function_name": self.worker, "queue_arn": self.queue_arn,
                 "downstream_capacity": self.p["capacity"],
                 "connections_per_execution": self.p["connections"],
                 "backlog": self.p["backlog"], "deadline_s": deadline_s(self.p)}
        answer = fn.invoke(event)
        configured = time.time()
        self.s.evidence["configure"] = answer.as_evidence()
        self.s.expect(answer.ok, observed=f"configure answered {answer.describe()}",
                      expected='{"mapping_uuid": ...} without an error')
        mappings = self.lam.list_event_source_mappings(FunctionName=self.worker)["EventSourceMappings"]
        self.s.evidence["mappings"] = [{k: m.get(k) for k in ("UUID", "BatchSize", "ScalingConfig",
                                                              "FunctionResponseTypes")} for m in mappings]
        concurrency = self.lam.get_function_concurrency(FunctionName=self.worker)
        self.s.evidence["reserved_concurrency"] = concurrency.get("ReservedConcurrentExecutions")
        self.s.expect(any(m["EventSourceArn"] == self.queue_arn for m in mappings),
                      observed=f"{len(mappings)} event source mapping(s) from the backlog queue "
                               f"to {self.worker}",
                      expected="configure creates the mapping from event['queue_arn'] to "
                               "event['function_name']")
        return configured

    def left(self) -> int:
        counts = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in counts.values())

    def in_flight(self) -> int:
        return int(self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=[
            "ApproximateNumberOfMessagesNotVisible"])["Attributes"]["ApproximateNumberOfMessagesNotVisible"])

    def wait_drained(self, configured: float) -> float:
        """Seconds from configure to an empty queue (nothing visible or in flight)."""
        wait_until(lambda: self.left() == 0, timeout=SETTLE_TIMEOUT_S, interval=POLL_S,
                   what="the backlog to drain")
        return time.time() - configured

    def invocations(self, replays: int = 0):
        """The worker's invocation lines, once the log shows every message of the backlog
        processed and every replay run (log lines arrive asynchronously)."""
        def complete():
            lines = read_json_lines(self.logs, self.worker, self.since, kind="invocation")
            if not len(lines):
                return None
            from_queue = lines[~lines["replay"].astype(bool)]
            processed = int((from_queue["messages"] - from_queue["failed"]).sum())
            ran = int(lines["replay"].astype(bool).sum())
            return (lines,) if processed >= self.p["backlog"] and ran >= replays else None
        return wait_until(complete, timeout=SETTLE_TIMEOUT_S, interval=2 * POLL_S,
                          what="the worker's invocation logs")[0]

    def permitted_concurrency(self) -> float:
        """Executions the configuration lets Lambda run at once for this worker: the mapping's
        MaximumConcurrency, capped by the function's reserved concurrency (inf when unset).
        A short run on a busy machine may not reach this peak, so it is checked as well."""
        mappings = self.lam.list_event_source_mappings(FunctionName=self.worker)["EventSourceMappings"]
        mapping_cap = sum(float(m.get("ScalingConfig", {}).get("MaximumConcurrency") or "inf")
                          for m in mappings)  # each mapping scales on its own
        return min(mapping_cap, self.reserved_concurrency())

    def measure(self, lines) -> dict[str, Any]:
        stats = self.api.stats()
        result = {"peak_concurrency": peak_concurrency(zip(lines["started"], lines["ended"])),
                  "invocations": len(lines), "overload_errors": stats["overloaded"],
                  "downstream_peak_connections": stats["peak_in_flight"],
                  "allowed_concurrency": allowed_concurrency(self.p)}
        self.s.evidence["measured"] = result
        return result

    def reserved_concurrency(self) -> float:
        """The function's reserved concurrency (inf when unset): the one cap on every caller,
        a replay job invoking it directly included."""
        reserved = self.lam.get_function_concurrency(FunctionName=self.worker).get(
            "ReservedConcurrentExecutions")
        return float("inf") if reserved is None else float(reserved)


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
    drain = _Drain(s)
    drain.wait_drained(drain.configure())
    m = drain.measure(drain.invocations())
    permitted = drain.permitted_concurrency()
    s.evidence["permitted_concurrency"] = permitted
    # the behaviour, not the arithmetic that gets there (that is the task)
    within = (f"at most {m['allowed_concurrency']} executions at once: each holds "
              f"{s.params['connections']} of the downstream's {s.params['capacity']} connections")
    s.expect(permitted <= m["allowed_concurrency"],
             observed=f"the configuration lets {permitted:g} executions run at once",
             expected=within)
    s.expect(m["peak_concurrency"] <= m["allowed_concurrency"],
             observed=f"peak of {m['peak_concurrency']} concurrent executions "
                      f"({m['downstream_peak_connections']} connections at the downstream, "
                      f"{m['overload_errors']} overload errors)",
             expected=within)


# -- task 2 ----------------------------------------------------------------------------------

def _replay(drain: _Drain, orders: list[str]) -> bool:
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
    drain = _Drain(s)
    configured = drain.configure()
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
    # A busy machine may overlap fewer replays than a design lets run: the observed errors
    # alone could pass a cap that is too high, so the cap every caller meets is read back too.
    reserved = drain.reserved_concurrency()
    s.evidence["reserved_concurrency"] = None if reserved == float("inf") else reserved
    s.expect(reserved <= m["allowed_concurrency"],
             observed=("no reserved concurrency: a direct caller is not capped" if reserved == float("inf")
                       else f"reserved concurrency {reserved:g}: that many executions may run at once"),
             expected=f"at most {m['allowed_concurrency']} executions for every caller, the "
                      f"replay job included ({s.params['connections']} of the downstream's "
                      f"{s.params['capacity']} connections each)")


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
    drain = _Drain(s)
    configured = drain.configure()
    drain_s = drain.wait_drained(configured)
    lines = drain.invocations()
    m = drain.measure(lines)
    # emulated time on a shared machine: stretch (never shorten) the deadline by how much slower
    # full batches ran than nominal, and add how long the first execution took to start
    full = lines[(lines["messages"] == BATCH_SIZE) & (lines["failed"] == 0)]
    batch_s = float((full["ended"] - full["started"]).median()) if len(full) else 0.0
    stretch = max(1.0, batch_s / (BATCH_SIZE * s.params["service_s"]))
    startup_s = max(0.0, float(lines["started"].min()) - configured)
    allowed = deadline_s(s.params) * stretch + startup_s
    s.evidence["deadline"] = {"nominal_s": deadline_s(s.params), "stretch": round(stretch, 2),
                              "startup_s": round(startup_s, 1), "allowed_s": round(allowed, 1),
                              "drain_s": round(drain_s, 1)}
    s.expect(drain_s <= allowed and m["overload_errors"] == 0,
             observed=f"drained in {drain_s:.1f} s with {m['overload_errors']} overload errors, "
                      f"peak of {m['peak_concurrency']} executions",
             expected=f"within {allowed:.1f} s (deadline {deadline_s(s.params)} s, x {stretch:.2f} "
                      f"for batches slower than nominal here, + {startup_s:.1f} s to the first "
                      f"execution) and no overload errors")
