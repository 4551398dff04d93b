"""Lab 08 task 5's runs on the backend, for the checks of lab_08_traces_alarms.py (every
observed/expected a learner can read is written there):

  * ``TracedOrders``: the learner's ``orders`` handler deployed as a Lambda function with X-Ray
    active tracing (``TracingConfig={"Mode": "Active"}``) and invoked with SQS batches, each
    under a trace id the check mints and sends as the Invoke's ``X-Amzn-Trace-Id`` header, so
    the check knows which trace is which batch without relying on the learner's annotations
    (Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray": Lambda
    continues the trace of the header it receives);
  * ``AlarmTraffic``: stand-in functions (one per case) that fail when the event says so, whose
    ``AWS/Lambda`` ``Errors`` and ``Invocations`` the learner's error-rate alarm watches. The
    alarm is about the metrics, not the handler: a stand-in keeps a hundred invocations fast.
    The alarm's datapoints come from the backend's Lambda metrics (AWS/Lambda, dimension
    FunctionName), as on AWS (Lambda Developer Guide, "Types of metrics for Lambda functions").
"""
from __future__ import annotations

import json
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from labkit import aws_events
from labkit.checks.framework import Scenario
from labkit.checks.lab_08_pipeline import HANDLER_TIMEOUT_S

# High-resolution alarm periods are 10 s, 30 s or a multiple of 60 s (CloudWatch User Guide,
# "High-resolution alarms"); the shortest keeps a graded run short.
ALARM_PERIOD_S = 10
EVALUATOR_TICK_S = 3      # the backend evaluates alarms every second; 3 ticks of margin
FAIL = "fail"             # the stand-in's event key: raise instead of answering


def _client(s: Scenario, service: str):
    """A client of the scenario's own (the shared one's event hooks are not ours to change)."""
    import boto3

    kwargs: dict[str, Any] = {"region_name": "us-east-1"}
    if s.target.endpoint_url:
        kwargs.update(endpoint_url=s.target.endpoint_url, aws_access_key_id="test",
                      aws_secret_access_key="test")
    return boto3.session.Session().client(service, **kwargs)


def new_trace_id() -> str:
    """An X-Ray trace id: 1-<epoch seconds, 8 hex digits>-<96 random bits> (X-Ray Developer
    Guide, "Tracing header")."""
    return f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


# -- task 5a: the learner's orders handler, traced ----------------------------------------------

class TracedOrders:
    """The learner's ``orders`` handler as a traced Lambda function; ``invoke`` runs one batch
    under a trace id of the check's."""

    def __init__(self, s: Scenario, handler_file: str):
        self.s, self.lam = s, _client(s, "lambda")
        self._header: dict[str, str] = {}
        # Lambda continues the trace of the Invoke's X-Amzn-Trace-Id header (before signing)
        self.lam.meta.events.register(
            "before-call.lambda.Invoke",
            lambda params, **_: params["headers"].update(self._header))
        topic = s.create.topic("accepted")
        self.queue_arn = f"arn:aws:sqs:us-east-1:000000000000:{s.namespace}-orders"
        source = Path(s.target.handler_path).read_text()
        self.name = s.create.function(
            "orders", {handler_file: source}, handler=f"{Path(handler_file).stem}.orders",
            Timeout=int(HANDLER_TIMEOUT_S), MemorySize=256, TracingConfig={"Mode": "Active"},
            Environment={"Variables": {"POWERTOOLS_SERVICE_NAME": "orders",
                                       "ORDER_TOPIC_ARN": topic, "ORDERS_QUEUE_URL": "unused"}})
        self.started = datetime.now(timezone.utc) - timedelta(seconds=5)

    def invoke(self, orders: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        """One SQS batch of ``orders``, each with a correlation id attribute, under a new trace.
        -> (trace id, what the invocation answered)."""
        now = int(time.time() * 1000)
        records = [aws_events.sqs_record(
            message_id=str(uuid.uuid4()), receipt_handle=uuid.uuid4().hex,
            body=json.dumps(order), queue_arn=self.queue_arn, region="us-east-1",
            attributes=aws_events.sqs_attributes(receive_count=1, sent_timestamp=now,
                                                 sender_id="AIDACHECKER",
                                                 first_receive_timestamp=now),
            message_attributes={"correlation_id": {"DataType": "String",
                                                   "StringValue": str(uuid.uuid4())}})
            for order in orders]
        trace_id = new_trace_id()
        self._header["X-Amzn-Trace-Id"] = f"Root={trace_id};Sampled=1"
        response = self.lam.invoke(FunctionName=self.name,
                                   Payload=json.dumps(aws_events.sqs_event(records)).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        return trace_id, {"error": response.get("FunctionError"), "payload": payload}

    def documents(self, trace_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """{trace id: its segment documents} (BatchGetTraces: at most 5 ids a call)."""
        xray, found = self.s.client("xray"), {}
        for i in range(0, len(trace_ids), 5):
            for trace in xray.batch_get_traces(TraceIds=trace_ids[i:i + 5])["Traces"]:
                found[trace["Id"]] = [json.loads(seg["Document"]) for seg in trace["Segments"]]
        return found

    def matching(self, expression: str) -> set[str]:
        """The ids of this function's traces that GetTraceSummaries finds with ``expression``."""
        xray = self.s.client("xray")
        scoped = f'service("{self.name}") AND ({expression})'
        pages = xray.get_paginator("get_trace_summaries").paginate(
            StartTime=self.started, EndTime=datetime.now(timezone.utc) + timedelta(minutes=1),
            FilterExpression=scoped)
        return {summary["Id"] for page in pages for summary in page["TraceSummaries"]}


def function_recorded(documents: list[dict[str, Any]]) -> bool:
    """Lambda recorded the invocation's function segment (it does so once the handler ended,
    after the SDK sent the handler's subsegments)."""
    return any(d.get("origin") == "AWS::Lambda::Function" for d in documents)


def order_annotations(documents: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """{order_id annotation value: the annotations of the entity that carries it, completed by
    those of the entities above it}: per order, what a search by annotation sees of it."""
    found: dict[Any, dict[str, Any]] = {}

    def visit(entity: dict[str, Any], above: dict[str, Any]) -> None:
        notes = {**above, **(entity.get("annotations") or {})}
        if "order_id" in (entity.get("annotations") or {}):
            found.setdefault(notes["order_id"], notes)
        for sub in entity.get("subsegments") or []:
            visit(sub, notes)

    for document in documents:
        visit(document, {})
    return found


def hidden_traced_run(r: random.Random) -> dict[str, Any]:
    """Another mix of orders: how many, which are rejected (one to three), the batch size."""
    count = r.randint(5, 8)
    return {"run": r.randrange(10**6), "orders": count,
            "rejected": sorted(r.sample(range(count), r.randint(1, 3))),
            "batch": r.randint(1, 3)}


def traced_orders(params: dict[str, Any]) -> list[dict[str, Any]]:
    rejected = set(params["rejected"])
    return [{"order_id": f"o-{params['run']:06d}-{i}", "items": 1 + i % 3,
             **({"fail_at": "orders"} if i in rejected else {})}
            for i in range(params["orders"])]


# -- task 5b: the traffic an error-rate alarm watches --------------------------------------------

STAND_IN = f'''
def handler(event, context):
    if event.get("{FAIL}"):
        raise RuntimeError("order failed")
    return "ok"
'''
CASES = ("burst", "busy", "idle")


def spread(invocations: int, errors: int) -> list[bool]:
    """Which of ``invocations`` fail: the last of each of ``errors`` equal chunks, so no prefix
    of the traffic fails at a higher rate than the whole (the backend evaluates the current
    period as its datapoints arrive)."""
    chunk = invocations // errors
    return [i % chunk == chunk - 1 and i // chunk < errors for i in range(invocations)]


def hidden_alarm_run(r: random.Random) -> dict[str, Any]:
    """The same number of failures (2-4) as a burst (40-80 % of the invocations of a period)
    and spread over busy traffic (under 7 %: each failure ends a chunk of 15-20 invocations)."""
    errors = r.randint(2, 4)
    return {"errors": errors, "burst": errors + r.randint(1, 3),
            "busy": errors * r.randint(15, 20)}


class AlarmTraffic:
    """One stand-in function per case, each watched by an alarm the learner defined."""

    def __init__(self, s: Scenario):
        self.s, self.lam, self.cloudwatch = s, s.client("lambda"), s.client("cloudwatch")
        self.alarms = {case: s.create.name(f"{case}-error-rate") for case in CASES}
        with ThreadPoolExecutor(len(CASES)) as pool:   # three deployments, each mostly waiting
            names = pool.map(lambda case: s.create.function(case, STAND_IN, Timeout=5,
                                                            MemorySize=128), CASES)
            self.functions = dict(zip(CASES, names))
        self.periods: dict[str, set[int]] = {case: set() for case in CASES}
        self.last_invoked = 0.0

    def put_alarm(self, case: str, definition: dict[str, Any]) -> None:
        config = {**definition}            # not a mapping: TypeError, reported as refused
        config.pop("AlarmName", None)      # the check names the alarm, not the learner
        self.s.create.alarm(f"{case}-error-rate", **config)

    def send(self, case: str, failures: list[bool]) -> None:
        """Invoke the case's function once per entry, failing where it says True; note the
        alarm periods the invocations fell in."""
        for fail in failures:
            self.periods[case].add(int(time.time()) // ALARM_PERIOD_S)
            self.lam.invoke(FunctionName=self.functions[case],
                            Payload=json.dumps({FAIL: fail}).encode())
            self.last_invoked = time.time()
            self.periods[case].add(int(self.last_invoked) // ALARM_PERIOD_S)

    def states(self, case: str) -> list[dict[str, Any]]:
        """The alarm's state updates so far, oldest first ({"state", "reason"})."""
        items = self.cloudwatch.describe_alarm_history(
            AlarmName=self.alarms[case], HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        updates = []
        for item in sorted(items, key=lambda i: i["Timestamp"]):
            new = json.loads(item["HistoryData"]).get("newState", {})
            updates.append({"state": new.get("stateValue"), "reason": new.get("stateReason")})
        return updates

    def fired(self, case: str) -> dict[str, Any] | None:
        return next((u for u in self.states(case) if u["state"] == "ALARM"), None)


def wait_for_period_start(min_left_s: float) -> None:
    """Return at once if at least ``min_left_s`` of the current alarm period is left, else at
    the start of the next one: the traffic of a case then lands in one period."""
    left = ALARM_PERIOD_S - time.time() % ALARM_PERIOD_S
    if left < min_left_s:
        time.sleep(left + 0.05)   # waiting for the clock's next period, not for the machine
