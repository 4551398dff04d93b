"""The capstone's order system on a backend, run under one chaos schedule (capstone_chaos).

    orders queue --(event source mapping: batch size, MaximumConcurrency)--> worker function
        | redrive (maxReceiveCount) -> DLQ  <- an alarm on its depth -> on-call topic
    worker: charge (payments API, a labkit.faults.Downstream), reserve stock (the warehouse,
            capstone_warehouse), refund if sold out (refunds API), record in the orders table

The worker's code is the learner's module; a harness around it records, per message body,
when it was delivered and when the handler answered it as done, so latency and accounting come
from our records, not the learner's. ``OrderSystem`` deploys it from the learner's settings,
sends a schedule, waits until the queue is empty, watches the alarm and gathers an
``Observation``: what the invariants (capstone_invariants) are judged on. Plain boto3 clients,
so lessons and checks share it.
"""
from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from labkit.deploy import deploy_function
from labkit.faults import Downstream
from labkit.lessons import capstone_chaos as chaos
from labkit.lessons.capstone_warehouse import Warehouse
from labkit.lessons.logs import read_log_messages
from labkit.lessons.polling import wait_until

WORKER_FILE = "lab14_orders.py"
FUNCTION_TIMEOUT_S = 10   # a batch is ~1-2 s of work; make test's load once stretched one past 6 s
VISIBILITY_TIMEOUT_S = 6 * FUNCTION_TIMEOUT_S   # lesson 01's rule (Lambda Developer Guide,
                                                # "Using Lambda with Amazon SQS")
ALARM_PERIOD_S = 10        # the embedded backend publishes SQS metrics every 10 s (AWS: 60 s)
QUIET_PUBLISHES = 2        # the alarm must be quiet after the empty DLQ was published this often
CRASHES_WAIT_S = 60        # the spike's first charges: a worker that charges nothing never gets there
SETTLE_SLACK_S = 90        # on top of the redeliveries the settings allow: a loaded machine
WAREHOUSE_SERVICE_S = 0.2  # a reservation holds a connection slot this long
ENDED = "#ended"

HARNESS = '''
import os, time, uuid
import boto3
import lab14_orders as orders

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["HARNESS_TABLE"]


def _put(items):
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": i}}
                                                        for i in items[start:start + 25]]})


def handler(event, context):
    if event.get("warm"):   # the system starts its environments before anything is sent
        return {"warm": True}
    invocation, records = uuid.uuid4().hex[:8], event.get("Records", [])
    # the message id keeps two copies of one body in one batch apart (same key otherwise)
    _put([{"body": {"S": r["body"]}, "at": {"S": "%.6f#%s#delivered#%s" % (time.time(), invocation,
                                                                         r["messageId"])}}
          for r in records])
    try:
        answer = orders.handler(event, context)
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        failed = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        _put([{"body": {"S": r["body"]}, "at": {"S": "%.6f#%s#done#%s" % (time.time(), invocation,
                                                                        r["messageId"])}}
              for r in records if r["messageId"] not in failed])
        return answer
    finally:   # an environment killed mid-batch records no end
        dynamodb.put_item(TableName=TABLE, Item={"body": {"S": "#ended"}, "at": {"S": invocation}})
'''


@dataclass
class Observation:
    """What one run left behind, as plain data (JSON-able but for nothing)."""

    schedule: dict[str, Any]
    settings: dict[str, Any]
    run: str                                                       # tags this run's bodies
    sent_at: dict[str, float] = field(default_factory=dict)        # body -> when sent
    deliveries: dict[str, list] = field(default_factory=dict)      # body -> [[at, invocation]]
    done: dict[str, float] = field(default_factory=dict)           # body -> first done
    ended: list[str] = field(default_factory=list)                 # invocations that ended
    charges: list[dict[str, Any]] = field(default_factory=list)    # payments API calls
    refunds: list[dict[str, Any]] = field(default_factory=list)    # refunds API calls
    warehouse: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, str]] = field(default_factory=dict)   # orders table
    parked: list[str] = field(default_factory=list)                # DLQ bodies
    left_in_queue: int = 0
    alarm: dict[str, Any] = field(default_factory=dict)
    report_lines: list[str] = field(default_factory=list)
    problem: str = ""   # the run could not finish (the check says so)
    machine_may_be_the_cause: bool = False   # ...for a reason a busy machine can cause too

    def as_evidence(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("report_lines", "sent_at")}


class OrderSystem:
    """One run's resources, named under `prefix`."""

    def __init__(self, clients, prefix: str, worker_source: str, schedule: dict[str, Any],
                 settings: dict[str, Any]):
        self.c, self.prefix, self.source = clients, prefix, worker_source
        self.run = uuid.uuid4().hex[:6]
        self.obs = Observation(schedule, settings, self.run)
        self._undo: list = []
        self.function = f"{prefix}-worker"[:64]
        self.dlq_name, self.queue_name = f"{prefix}-dlq"[:80], f"{prefix}-orders"[:80]
        self.orders_table, self.harness_table = f"{prefix}-orders", f"{prefix}-harness"
        self.alarm_name = f"{prefix}-dlq-not-empty"

    # -- building -------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """Create everything but the mapping; return what create_alarm is told."""
        sqs, ddb, sns = self.c("sqs"), self.c("dynamodb"), self.c("sns")
        for table, key in ((self.orders_table, "order_id"), (self.harness_table, "body")):
            schema = [{"AttributeName": key, "KeyType": "HASH"}]
            attributes = [{"AttributeName": key, "AttributeType": "S"}]
            if table == self.harness_table:
                schema.append({"AttributeName": "at", "KeyType": "RANGE"})
                attributes.append({"AttributeName": "at", "AttributeType": "S"})
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                             KeySchema=schema, AttributeDefinitions=attributes)
            self._undo.append(lambda t=table: ddb.delete_table(TableName=t))
        self.dlq_url = sqs.create_queue(QueueName=self.dlq_name)["QueueUrl"]
        self._undo.append(lambda: sqs.delete_queue(QueueUrl=self.dlq_url))
        redrive = {"deadLetterTargetArn": self._arn(self.dlq_url),
                   "maxReceiveCount": int(self.obs.settings["max_receive_count"])}
        self.queue_url = sqs.create_queue(QueueName=self.queue_name, Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_S),
            "RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
        self._undo.append(lambda: sqs.delete_queue(QueueUrl=self.queue_url))
        self.topic = sns.create_topic(Name=f"{self.prefix}-oncall"[:256])["TopicArn"]
        self._undo.append(lambda: sns.delete_topic(TopicArn=self.topic))
        self.inbox = sqs.create_queue(QueueName=f"{self.prefix}-inbox"[:80])["QueueUrl"]
        self._undo.append(lambda: sqs.delete_queue(QueueUrl=self.inbox))
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=self._arn(self.inbox))
        self._undo.append(lambda: self.c("cloudwatch").delete_alarms(AlarmNames=[self.alarm_name]))
        s = self.obs.schedule
        self.warehouse = Warehouse(s["capacity"], WAREHOUSE_SERVICE_S).start()
        self._undo.append(self.warehouse.stop)
        ddb_client = self.c("dynamodb")
        self.payments = Downstream(f"{self.prefix}-payments", client=ddb_client)
        self.refunds = Downstream(f"{self.prefix}-refunds", client=ddb_client)
        for api in (self.payments, self.refunds):
            self._undo.append(api.reset)
        self._deploy()
        self.alarm_created = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
        return {"alarm_name": self.alarm_name, "dlq_name": self.dlq_name,
                "topic_arn": self.topic, "period_s": ALARM_PERIOD_S}

    def _arn(self, url: str) -> str:
        return self.c("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def _deploy(self) -> None:
        lam = self.c("lambda")
        deploy_function(lam, self.function, {WORKER_FILE: self.source,
                                             "capstone_harness.py": HARNESS},
                        handler="capstone_harness.handler", Timeout=FUNCTION_TIMEOUT_S,
                        MemorySize=int(self.obs.settings["memory_mb"]),
                        Environment={"Variables": {
                            "ORDERS_TABLE": self.orders_table, "DLQ_URL": self.dlq_url,
                            "PAYMENTS_API": self.payments.name, "REFUNDS_API": self.refunds.name,
                            "WAREHOUSE_URL": self.warehouse.url,
                            "HARNESS_TABLE": self.harness_table}})
        self._undo.append(lambda: lam.delete_function(FunctionName=self.function))
        self._undo.append(lambda: self.c("logs").delete_log_group(
            logGroupName=f"/aws/lambda/{self.function}"))

    def warm_up(self) -> str:
        """Start as many environments as the mapping may use; '' or why the worker failed."""
        def one(_: int) -> str:
            answer = self.c("lambda").invoke(FunctionName=self.function, Payload=b'{"warm": true}')
            if answer.get("FunctionError"):
                error = json.loads(answer["Payload"].read() or b"{}")
                return f"{error.get('errorType')}: {error.get('errorMessage')}"
            return ""
        with ThreadPoolExecutor(2) as pool:
            return next((e for e in pool.map(one, range(2)) if e), "")

    # -- running --------------------------------------------------------------------------
    def arm_faults(self) -> None:
        s = self.obs.schedule
        for order in s["orders"]:
            if order["flaky"]:
                self.payments.fail_calls_about(order["id"], order["flaky"])
        if s["crashes"]:
            self.payments.crash_after_next_call(s["crashes"])
        if s["refund_outage"]:
            self.refunds.fail(s["refund_outage"])

    def connect_and_send(self) -> None:
        lam, settings = self.c("lambda"), self.obs.settings
        mapping = lam.create_event_source_mapping(
            FunctionName=self.function, EventSourceArn=self._arn(self.queue_url),
            BatchSize=int(settings["batch_size"]), FunctionResponseTypes=["ReportBatchItemFailures"],
            ScalingConfig={"MaximumConcurrency": int(settings["maximum_concurrency"])})["UUID"]
        self._undo.append(lambda: lam.delete_event_source_mapping(UUID=mapping))
        wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled",
                   timeout=60, what="the event source mapping to be Enabled")
        self.started = time.time()
        spike, flaky = chaos.waves(self.obs.schedule)
        self._send(spike)
        try:   # the crashes happen in the spike: the second wave comes after them
            wait_until(lambda: not self.payments.faults_left()["crash_after"],
                       timeout=CRASHES_WAIT_S, interval=0.5, what="the crashes to happen")
        except TimeoutError:
            pass   # a worker that never charges never crashes: send the rest anyway
        self._send(flaky)

    def _send(self, orders: list[dict[str, Any]]) -> None:
        entries = [chaos.body(o, self.run) for o in orders for _ in range(o["copies"])]
        for start in range(0, len(entries), 10):
            now = time.time()
            for b in entries[start:start + 10]:
                self.obs.sent_at.setdefault(b, now)
            self.c("sqs").send_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "MessageBody": b} for i, b in enumerate(entries[start:start + 10])])

    def settle(self) -> bool:
        """Wait until the orders queue is empty; False if it never was."""
        timeout = (int(self.obs.settings["max_receive_count"]) + 1) * VISIBILITY_TIMEOUT_S \
            + SETTLE_SLACK_S
        try:
            wait_until(lambda: self._depth(self.queue_url) == 0, timeout=timeout, interval=1,
                       what="the orders queue to empty")
            return True
        except TimeoutError:
            self.obs.left_in_queue = self._depth(self.queue_url)
            return False

    def _depth(self, url: str) -> int:
        attributes = self.c("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in attributes.values())

    # -- observing ------------------------------------------------------------------------
    def observe(self) -> Observation:
        """Everything but the alarm (capstone_alarm watches that, before the DLQ is read)."""
        o, ddb = self.obs, self.c("dynamodb")
        deliveries: dict[str, list] = defaultdict(list)
        for page in ddb.get_paginator("scan").paginate(TableName=self.harness_table,
                                                      ConsistentRead=True):
            for item in page["Items"]:
                body, at = item["body"]["S"], item["at"]["S"]
                if body == ENDED:
                    o.ended.append(at)
                    continue
                when, invocation, what = at.split("#")[:3]
                if what == "done":
                    o.done[body] = min(float(when), o.done.get(body, float("inf")))
                else:
                    deliveries[body].append([float(when), invocation])
        o.deliveries = {b: sorted(d) for b, d in deliveries.items()}
        o.charges, o.refunds = self.payments.calls(), self.refunds.calls()
        o.warehouse = self.warehouse.stats()
        for page in ddb.get_paginator("scan").paginate(TableName=self.orders_table,
                                                      ConsistentRead=True):
            for item in page["Items"]:
                o.records[item["order_id"]["S"]] = {k: str(next(iter(v.values())))
                                                    for k, v in item.items()}
        o.parked = self._read_dlq()
        o.report_lines = [e["message"] for e in read_log_messages(
            self.c("logs"), self.function, self.started - 5) if e["message"].startswith("REPORT")]
        return o

    def _read_dlq(self) -> list[str]:
        sqs, bodies = self.c("sqs"), []
        while True:
            messages = sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1, VisibilityTimeout=120
                                           ).get("Messages", [])
            if not messages:
                return bodies
            bodies += [m["Body"] for m in messages]

    def tear_down(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except Exception:  # noqa: BLE001 - best effort: never hide the run's outcome
                pass
