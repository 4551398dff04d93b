"""Lab 08's pipeline runs on paper, as CloudWatch Logs holds them (``LogRun``), for the log-query
checks of lab_08_observability.py (task 3: one request's path; task 4: the failed orders).
Nothing here tells a learner anything: every observed/expected the checks show is written in
that module (the leak tests read it).

A ``LogRun`` writes the lines the Lambda JSON log format and Powertools Logger write (platform
records, application lines, the runtime's report of an unhandled error) and keeps the truth:
which request each line belongs to (task 3) and which lines are a failed order's errors (task 4).
"""
from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

from labkit.checks.lab_08_pipeline import ASYNC_RETRIES, HOPS, MAX_RECEIVES
from labkit.emulator.runtime import report


# -- whole runs, as CloudWatch Logs holds them ------------------------------------------------

POWERTOOLS_TIME = "%Y-%m-%d %H:%M:%S,{ms:03d}+0000"
INIT_ERROR = "feature flags unavailable, starting with the defaults"


class LogRun:
    """A pipeline run as CloudWatch Logs holds it, with the truth of which request each line
    belongs to: lines in the shapes the Lambda JSON log format and Powertools Logger write."""

    def __init__(self, r: random.Random, prefix: str):
        self.r, self.prefix = r, prefix
        self.clock = 1_795_000_000_000 + r.randrange(10**8)
        self.streams: dict[str, dict[str, list[dict[str, Any]]]] = {h: {} for h in HOPS}
        self.environments: dict[str, list[dict[str, Any]]] = {h: [] for h in HOPS}
        self.owners: dict[str, set[str]] = {}   # event id -> correlation ids it belongs to
        self.times: dict[str, int] = {}
        self.handler_errors: list[str] = []     # event ids of the ERROR lines a handler wrote

    def _emit(self, hop: str, stream: str, message: str, owners: set[str]) -> str:
        self.clock += self.r.randint(1, 9)
        event_id = f"{self.clock}{len(self.owners):08d}"
        self.streams[hop].setdefault(stream, []).append({
            "logStreamName": stream, "timestamp": self.clock, "message": message,
            "ingestionTime": self.clock + self.r.randint(20, 900), "eventId": event_id})
        self.owners[event_id], self.times[event_id] = owners, self.clock
        return event_id

    def _environment(self, hop: str) -> dict[str, Any]:
        idle = self.environments[hop]
        if idle and self.r.random() < 0.8:
            return self.r.choice(idle)
        stream = f"2026/11/22/[$LATEST]{self.r.randrange(16**32):032x}"
        environment = {"stream": stream, "cold": True}
        idle.append(environment)
        return environment

    def _when(self) -> str:
        return time.strftime(POWERTOOLS_TIME.format(ms=self.clock % 1000),
                             time.gmtime(self.clock / 1000))

    def invoke(self, hop: str, records: list[tuple[str, list[tuple[str, str, dict]]]],
               unhandled: str | None = None,
               init_lines: tuple[tuple[str, str], ...] = ()) -> None:
        """records: (correlation id, [(level, message, extra), ...]) per record handled;
        init_lines: (level, message) the module logs while a new environment starts."""
        environment = self._environment(hop)
        stream, cold = environment["stream"], environment["cold"]
        request_id = str(uuid.UUID(int=self.r.getrandbits(128), version=4))
        everyone = {cid for cid, _ in records}
        when = self.clock / 1000
        if cold:
            self._emit(hop, stream, report.init_start_line(True, when), set())
            for level, message in init_lines:   # Powertools before any request: no ids
                self._emit(hop, stream, json.dumps({
                    "level": level, "location": "<module>:14", "message": message,
                    "timestamp": self._when(), "service": hop}), set())
        self._emit(hop, stream, report.start_line(request_id, "$LATEST", True, when), everyone)
        for correlation_id, lines in records:
            for level, message, extra in lines:
                event_id = self._emit(hop, stream, json.dumps({
                    "level": level, "location": f"{hop}:{self.r.randint(20, 60)}",
                    "message": message, "timestamp": self._when(), "service": hop,
                    "cold_start": cold, "function_name": f"{self.prefix}-{hop}",
                    "function_memory_size": 128,
                    "function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:"
                                    f"{self.prefix}-{hop}",
                    "function_request_id": request_id, "correlation_id": correlation_id,
                    **extra}), {correlation_id})
                if level == "ERROR":
                    self.handler_errors.append(event_id)
        status = "success"
        if unhandled:  # the runtime's own report of an unhandled exception: no correlation id
            status = "error"
            self._emit(hop, stream, json.dumps({
                "timestamp": self._when(), "level": "ERROR", "errorMessage": unhandled,
                "errorType": "NotificationFailed", "requestId": request_id,
                "stackTrace": [f'  File "/var/task/app.py", line 41, in {hop}\n']}), everyone)
        duration = self.r.uniform(3, 120)
        self._emit(hop, stream, report.end_line(request_id, True, self.clock / 1000, status),
                   everyone)
        self._emit(hop, stream, report.report_line(
            request_id, duration, 128, self.r.randint(60, 90),
            self.r.uniform(300, 900) if cold else None, True, self.clock / 1000, status=status),
            everyone)
        environment["cold"] = False

    def log_groups(self, group_order: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each log group's events stream by stream (as reading each stream returns them)."""
        return {f"/aws/lambda/{self.prefix}-{hop}":
                [e for name in sorted(self.streams[hop]) for e in self.streams[hop][name]]
                for hop in group_order}

    def path(self, correlation_id: str) -> list[str]:
        mine = [e for e, owners in self.owners.items() if correlation_id in owners]
        return sorted(mine, key=self.times.__getitem__)


def simulate(params: dict[str, Any]) -> tuple[LogRun, list[str]]:
    """Run the order pipeline on paper: api for every request, then orders in batches (a
    rejected record comes back in a later batch until MAX_RECEIVES), then notify per accepted
    order (a failure raises and is retried ASYNC_RETRIES times). Optional look-alikes of a
    failure (task 4): ``init_error_hop`` logs an ERROR while each new environment of it starts
    (before any request, so without ids), and the orders in ``hiccups`` hit a retried hiccup in
    notify, logged as a WARNING with its exception, and go through. Returns the run and each
    request's correlation id."""
    r = random.Random(params["seed"])
    run = LogRun(r, f"lab08-{r.randrange(16**6):06x}")
    fail = {int(i): where for i, where in params["failures"].items()}
    hiccups = {int(i) for i in params.get("hiccups", ())}
    flaky_start = {params.get("init_error_hop"): (("ERROR", INIT_ERROR),)}
    ids = [f"client-{r.randrange(16**8):08x}" if r.random() < 0.4 else str(uuid.UUID(
        int=r.getrandbits(128), version=4)) for _ in range(params["requests"])]
    orders = [f"o-{r.randrange(10**4):04d}-{i}" for i in range(params["requests"])]
    for i, cid in enumerate(ids):
        run.invoke("api", [(cid, [("INFO", "order received", {"order_id": orders[i]}),
                                  ("INFO", "order queued", {})])],
                   init_lines=flaky_start.get("api", ()))
    queue = [(i, 1) for i in range(len(ids))]
    accepted = []
    while queue:
        batch, queue = queue[:params["batch"]], queue[params["batch"]:]
        records = []
        for i, receives in batch:
            lines = [("INFO", "order picked up", {"order_id": orders[i],
                                                  "receive_count": receives})]
            if fail.get(i) == "orders":
                lines.append(("ERROR", "order rejected", {
                    "exception": f"ValueError: order {orders[i]} has no items",
                    "exception_name": "ValueError"}))
                if receives < MAX_RECEIVES:
                    queue.append((i, receives + 1))
            else:
                lines.append(("INFO", "order accepted", {}))
                accepted.append(i)
            records.append((ids[i], lines))
        run.invoke("orders", records, init_lines=flaky_start.get("orders", ()))
    for i in accepted:
        for _ in range(1 + (ASYNC_RETRIES if fail.get(i) == "notify" else 0)):
            lines = [("INFO", "sending confirmation", {"order_id": orders[i]})]
            if i in hiccups:
                lines.append(("WARNING", "mail server busy, retrying", {
                    "exception": "TimeoutError: SMTP 421 service not available, try again",
                    "exception_name": "TimeoutError"}))
            if fail.get(i) == "notify":
                lines.append(("ERROR", "notification failed", {
                    "exception_name": "NotificationFailed"}))
                run.invoke("notify", [(ids[i], lines)],
                           unhandled=f"no e-mail address for order {orders[i]}",
                           init_lines=flaky_start.get("notify", ()))
            else:
                run.invoke("notify", [(ids[i], lines + [("INFO", "confirmation sent", {})])],
                           init_lines=flaky_start.get("notify", ()))
    return run, ids


def hidden_log_run(r: random.Random) -> dict[str, Any]:
    count = r.randint(5, 9)
    failing = r.sample(range(count), 3)
    failures = {str(i): r.choice(["orders", "notify"]) for i in failing}
    order = list(HOPS)
    r.shuffle(order)
    return {"seed": r.randrange(10**9), "requests": count, "batch": r.randint(2, 4),
            "failures": failures, "ask": r.choice(failing), "group_order": order}


# -- task 4: failed orders among lines that only look like failures ---------------------------

def hidden_failure_run(r: random.Random) -> dict[str, Any]:
    """At least one order fails in each of orders and notify (so both kinds of failure line and
    the runtime's report are there), one or two orders hit a hiccup, one hop logs an error
    while it starts."""
    count = r.randint(6, 9)
    failing = r.sample(range(count), r.randint(2, 3))
    kinds = ["orders", "notify"] + [r.choice(["orders", "notify"]) for _ in failing[2:]]
    r.shuffle(kinds)
    good = [i for i in range(count) if i not in failing]
    return {"seed": r.randrange(10**9), "requests": count, "batch": r.randint(2, 4),
            "failures": {str(i): kind for i, kind in zip(failing, kinds)},
            "hiccups": sorted(r.sample(good, r.randint(1, 2))),
            "init_error_hop": r.choice(HOPS)}


def event_key(group: str, event: dict[str, Any]) -> tuple[str, str, int, str]:
    """What identifies an event read back from CloudWatch Logs (its eventId is the backend's)."""
    return group, event["logStreamName"], int(event["timestamp"]), event["message"]


def write_run(logs, run: LogRun, namespace: str, end_ms: int) -> dict[tuple, str]:
    """Put the run into log groups /aws/lambda/<namespace>-<hop>, one PutLogEvents per stream,
    its times moved so that its last line is at ``end_ms`` (CloudWatch Logs refuses events
    older than 14 days). Returns {event_key: the run's event id} for every event written."""
    last = max(run.times.values())
    written: dict[tuple, str] = {}
    for hop in HOPS:
        group = f"/aws/lambda/{namespace}-{hop}"
        logs.create_log_group(logGroupName=group)
        for stream, events in sorted(run.streams[hop].items()):
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
            moved = [{"timestamp": e["timestamp"] - last + end_ms, "message": e["message"]}
                     for e in events]
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=moved)
            for event, original in zip(moved, events):
                written[event_key(group, {**event, "logStreamName": stream})] = \
                    original["eventId"]
    return written


def failure_logs(s) -> tuple[LogRun, dict[str, str], dict[tuple, str], list[str]]:
    """Scenario ``s``'s run (its params: see simulate) written into log groups of the backend,
    deleted when the scenario ends. -> (run, {correlation id: hop the request failed in},
    {event_key: event id}, the log group names)."""
    run, ids = simulate(s.params)
    logs = s.client("logs")
    groups = [f"/aws/lambda/{s.namespace}-{hop}" for hop in HOPS]
    for group in groups:
        s.on_cleanup(lambda group=group: logs.delete_log_group(logGroupName=group))
    written = write_run(logs, run, s.namespace, end_ms=int(time.time() * 1000) - 2_000)
    failed = {ids[int(i)]: hop for i, hop in s.params["failures"].items()}
    s.evidence["failed_requests"] = failed
    return run, failed, written, groups
