"""Lab 09's world: a backlog queue, the worker that drains it through a downstream with a fixed
number of connection slots (``FixedCapacityApi``), and the model of how long a drain should take.
The checks (lab_09_concurrency_backpressure) build one per scenario; the worker's source and
the model are what the lab hands the learner (labkit.labs.lab_09_concurrency_backpressure).
"""
from __future__ import annotations

import json
import math
import time
from typing import Any

from labkit.checks.framework import Inconclusive, Scenario
from labkit.labs.lab_09_concurrency_backpressure import (
    BATCH_SIZE, WORKER_SOURCE, allowed_concurrency, deadline_s)
from labkit.lessons import read_json_lines, read_log_messages
from labkit.lessons.backpressure_lesson import FixedCapacityApi
from labkit.lessons.concurrency import peak_concurrency
from labkit.lessons.polling import wait_until
from labkit.lessons.queues import queue_arn

FUNCTION_TIMEOUT_S = 10    # a batch takes ~0.5-1 s; a 2-core machine running make test's lanes
                           # took over 5 s for one (run 14d): a timed-out batch is only inconclusive
VISIBILITY_TIMEOUT_S = 6 * FUNCTION_TIMEOUT_S   # the 6x rule of lesson 01
CONFIGURE_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 240.0                    # everything served, on a very loaded machine
POLL_S = 0.5            # many scenarios poll one backend side by side: not more often than this
LATE_READ_S = 5.0       # how often a drain that may be late reads the worker's logs


class Drain:
    """One scenario's world: downstream, worker, queue filled with the backlog."""

    def __init__(self, s: Scenario):
        self.s, self.p = s, s.params
        self.lam, self.sqs, self.logs = s.client("lambda"), s.client("sqs"), s.client("logs")
        self.api = FixedCapacityApi(self.p["capacity"], service_time_s=self.p["service_s"]).start()
        s.on_cleanup(self.api.stop)
        self.worker = s.create.function(
            "worker", WORKER_SOURCE, Timeout=FUNCTION_TIMEOUT_S,
            Environment={"Variables": {"DOWNSTREAM_URL": self.api.url,
                                       "CONNECTIONS": str(self.p["connections"])}})
        # the learner's configure makes the mappings: deleted before the worker
        s.on_cleanup(self._delete_mappings)
        s.on_failure_ask(self._unless_a_batch_timed_out)
        self.queue_url = s.create.queue("backlog", VisibilityTimeout=VISIBILITY_TIMEOUT_S)
        self.queue_arn = queue_arn(self.sqs, self.queue_url)
        for start in range(0, self.p["backlog"], 10):
            self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps({"n": start + i})}
                for i in range(min(10, self.p["backlog"] - start))])
        self.since = time.time() - 1

    def _unless_a_batch_timed_out(self) -> None:
        """A batch that ran out of the function's timeout (about 1 s of work against 10 s: a
        machine too loaded to run it) comes back only after the visibility timeout, and its
        executions' downstream calls may outlive them: what the scenario measured then says
        more about the machine than about the configuration. Run it again."""
        timed_out = sum("Task timed out" in event["message"]
                        for event in read_log_messages(self.logs, self.worker, self.since))
        if timed_out:
            raise Inconclusive(f"{timed_out} batch(es) of the worker timed out after "
                               f"{FUNCTION_TIMEOUT_S} s (the machine was too slow?)",
                               "every batch done within the function's timeout")

    def _delete_mappings(self) -> None:
        for mapping in self.lam.list_event_source_mappings(FunctionName=self.worker)["EventSourceMappings"]:
            self.lam.delete_event_source_mapping(UUID=mapping["UUID"])

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


def allowed_drain_s(params: dict[str, Any], lines, configured: float) -> tuple[float, float, float]:
    """The deadline as this machine ran it: emulated time on a shared machine stretches (never
    shortens) it by how much slower full batches ran than nominal, and adds how long the first
    execution took to start. -> (allowed s, stretch, startup s); (inf, ...) before any ran."""
    if not len(lines):
        return math.inf, 1.0, 0.0
    full = lines[(lines["messages"] == BATCH_SIZE) & (lines["failed"] == 0)]
    batch_s = float((full["ended"] - full["started"]).median()) if len(full) else 0.0
    stretch = max(1.0, batch_s / (BATCH_SIZE * params["service_s"]))
    startup_s = max(0.0, float(lines["started"].min()) - configured)
    return deadline_s(params) * stretch + startup_s, stretch, startup_s
