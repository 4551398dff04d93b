"""What lab 03's scenarios deploy, drive and observe: the orders pipeline (a queue, its DLQ, a
payments table and the learner's handler as a Lambda function behind an SQS event source
mapping, wrapped in a harness that records every delivery), the orders sent through it, calls of
the learner's other functions, and what an alarm on a queue published and notified.
"""
from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from labkit.checks.framework import Inconclusive, Mismatch, Scenario, inconclusive_if_timed_out
from labkit.lessons.polling import wait_until
from labkit.lessons.queues import queue_arn

ORDERS_FILE = "lab03_orders.py"   # the learner's file; the harness imports it as lab03_orders
ENDED = "#ended"          # the attempts-table body of "this invocation ended" (HARNESS writes it)
VISIBILITY_S = 6          # the retry delay; >= the function timeout, as AWS requires. 4 s still
FUNCTION_TIMEOUT_S = 6    # let a batch time out (and charge twice) under CI's load, now and then
MEMORY_MB = 1769          # one full (emulated) vCPU: fewer slow invocations on a loaded machine
CONCURRENCY = 2           # ScalingConfig.MaximumConcurrency (AWS minimum): two warm environments
SETTLE_SLACK_S = 40       # on top of the retries' own time: a loaded machine, cold starts

# Our code around the learner's handler: records every delivery before the learner sees it.
HARNESS = '''
import os, time, uuid
import boto3
import lab03_orders as orders

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    if event.get("warm"):   # the checker starts the environments before sending anything
        return {"warm": True}
    invocation = uuid.uuid4().hex[:8]
    deliveries = [{"PutRequest": {"Item": {
        # the message id keeps two copies of one body in one batch two items (one key each)
        "body": {"S": record["body"]}, "at": {"S": "%.6f#%s#%s" % (time.time(), invocation, record["messageId"])},
        "receive_count": {"N": record["attributes"]["ApproximateReceiveCount"]}}}}
        for record in event.get("Records", [])]
    for start in range(0, len(deliveries), 25):   # one call per batch: keep invocations short
        dynamodb.batch_write_item(RequestItems={os.environ["ATTEMPTS_TABLE"]: deliveries[start:start + 25]})
    try:
        return orders.handler(event, context)
    finally:   # when it ended (an invocation that timed out records nothing)
        dynamodb.put_item(TableName=os.environ["ATTEMPTS_TABLE"], Item={
            "body": {"S": "#ended"}, "at": {"S": invocation}, "ended": {"N": "%.6f" % time.time()}})
'''


# -- orders ------------------------------------------------------------------------------------

def ok_order(i: int) -> dict[str, Any]:
    return {"kind": "ok", "order": {"id": f"ok-{i}", "amount": "20.00"}}


def flaky_order(i: int, k: int) -> dict[str, Any]:
    return {"kind": "flaky", "failures": k, "order": {"id": f"flaky-{i}", "amount": "35.00", "flaky": k}}


def eu_order(i: int) -> dict[str, Any]:
    return {"kind": "eu", "order": {"id": f"eu-{i}", "amount": "12,50"}}


def malformed_order(i: int) -> dict[str, Any]:
    return {"kind": "malformed", "body": '{"id": "bad-%d", "amount": ' % i}


def no_amount_order(i: int) -> dict[str, Any]:
    return {"kind": "no-amount", "order": {"id": f"noamt-{i}"}}


PERMANENT_KINDS = {"eu", "malformed", "no-amount"}


def permanent_order(kind: str, i: int) -> dict[str, Any]:
    return {"eu": eu_order, "malformed": malformed_order, "no-amount": no_amount_order}[kind](i)


def mixed(items: list[dict[str, Any]], seed: int | None) -> list[dict[str, Any]]:
    """The first order is always a good one (so a handler that fails the whole batch has
    already charged something when it fails); the rest in the seed's order."""
    first, rest = items[0], items[1:]
    if seed is not None:
        random.Random(seed).shuffle(rest)
    return [first, *rest]


def body_of(item: dict[str, Any], run: str) -> str:
    """The message body: the order, tagged with the run so bodies are unique per scenario."""
    if "body" in item:
        return item["body"] + f'"{run}"'   # still malformed JSON, unique per run
    return json.dumps({**item["order"], "run": run})


def name_of(item: dict[str, Any]) -> str:
    return item["order"]["id"] if "order" in item else item["body"].split('"')[3]


# -- the pipeline ------------------------------------------------------------------------------

class Pipeline:
    """A fresh queue + DLQ + payments table, and the learner's handler deployed as a function
    behind an SQS event source mapping. ``set_redrive_policy`` sets the redrive policy."""

    def __init__(self, s: Scenario, env: dict[str, str] | None = None):
        self.s, self.run = s, uuid.uuid4().hex[:6]
        self.sqs, self.ddb, self.lam = s.client("sqs"), s.client("dynamodb"), s.client("lambda")
        self.payments_table = s.create.table("payments")
        # one item per delivery (HARNESS): the body, then when/which invocation/which message
        self.attempts_table = s.create.table("attempts", key="body", sort_key="at")
        self.dlq_name, self.queue_name = s.create.name("dlq"), s.create.name("orders")
        self.dlq_url = s.create.queue("dlq")
        self.queue_url = s.create.queue("orders", VisibilityTimeout=VISIBILITY_S)
        self.dlq_arn, self.queue_arn = queue_arn(self.sqs, self.dlq_url), queue_arn(self.sqs, self.queue_url)
        source = Path(s.target.handler_path).read_text()
        self.variables = {"DLQ_URL": self.dlq_url, "PAYMENTS_TABLE": self.payments_table,
                          "ATTEMPTS_TABLE": self.attempts_table, **(env or {})}
        self.function = s.create.function(
            "orders", {ORDERS_FILE: source, "lab03_harness.py": HARNESS},
            handler="lab03_harness.handler", Timeout=FUNCTION_TIMEOUT_S, MemorySize=MEMORY_MB,
            Environment={"Variables": self.variables})
        self.warm_up()
        self.sent: dict[str, dict[str, Any]] = {}
        s.on_failure_ask(self.unless_overrun)
        s.evidence["queue"] = self.queue_name

    def warm_up(self) -> None:
        """Start the environments first: a cold start longer than the visibility timeout would
        make SQS hand the message out twice (lesson 01), which is not what these checks test."""
        def one(_: int) -> None:
            answer = self.lam.invoke(FunctionName=self.function, Payload=b'{"warm": true}')
            if answer.get("FunctionError"):
                error = json.loads(answer["Payload"].read() or b"{}")
                # an environment that did not start within the function's timeout: seen with
                # 2 CPU hogs' worth of load, as with a module that never finishes importing
                inconclusive_if_timed_out(error, "starting the function's environment",
                                          f"{ORDERS_FILE} to import within a few seconds")
                raise Mismatch(f"the function could not start: {error.get('errorType')}: "
                               f"{error.get('errorMessage')}",
                               f"{ORDERS_FILE} to import cleanly (run its cell, then try it)")
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(one, range(CONCURRENCY)))

    def set_redrive_policy(self, max_receive_count: int) -> None:
        self.sqs.set_queue_attributes(QueueUrl=self.queue_url, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": self.dlq_arn, "maxReceiveCount": max_receive_count})})

    def connect(self) -> None:
        mapping = self.s.create.mapping(
            FunctionName=self.function, EventSourceArn=self.queue_arn, BatchSize=10,
            FunctionResponseTypes=["ReportBatchItemFailures"],
            ScalingConfig={"MaximumConcurrency": CONCURRENCY})
        wait_until(lambda: self.lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled",
                   timeout=60, what="the event source mapping to be Enabled")

    def send(self, items: list[dict[str, Any]]) -> None:
        """One SendMessageBatch (so the first poll sees them all, in this order)."""
        for item in items:
            self.sent[body_of(item, self.run)] = item
        entries = [{"Id": str(i), "MessageBody": body_of(item, self.run)}
                   for i, item in enumerate(items)]
        for start in range(0, len(entries), 10):
            self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries[start:start + 10])
        self.s.evidence["sent"] = [name_of(i) for i in items]

    def depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in attributes.values())

    def settle(self, max_attempts: int) -> None:
        """Wait until the source queue is empty: every message was processed, parked by the
        handler or dead-lettered by SQS (attempts and payments are recorded before the delete)."""
        deadline = max_attempts * (VISIBILITY_S + 1) + SETTLE_SLACK_S
        try:
            wait_until(lambda: self.depth(self.queue_url) == 0, timeout=deadline, interval=0.5,
                       what="the orders queue to empty")
        except TimeoutError:
            left = self.depth(self.queue_url)
            raise Mismatch(f"{left} message(s) still in the orders queue after {deadline} s "
                           f"({self._attempt_summary()})",
                           "every message processed, parked or dead-lettered by then") from None

    # -- what the checks look at -------------------------------------------------------------
    def _recorded(self) -> list[dict[str, Any]]:
        return [item for page in self.ddb.get_paginator("scan").paginate(
            TableName=self.attempts_table, ConsistentRead=True) for item in page["Items"]]

    def attempts(self) -> Counter:
        """Deliveries per message body (the harness records each one before the handler runs)."""
        counts: Counter = Counter(item["body"]["S"] for item in self._recorded()
                                  if item["body"]["S"] != ENDED)
        self.s.evidence["attempts"] = {name_of(self.sent[b]) if b in self.sent else b: n
                                       for b, n in counts.items()}
        return counts

    def unless_overrun(self) -> None:
        """A failed scenario's explanation: SQS hands a message out again once its visibility
        timeout passes, whatever the handler does. A message delivered again while an earlier
        invocation of it was still running, or after one that never ended (timed out), was
        redelivered by the clock (a busy machine slowed the invocation past VISIBILITY_S), not
        by the handler's answer: the scenario is inconclusive, and runs again."""
        ended, deliveries = {}, defaultdict(list)
        for item in self._recorded():
            if item["body"]["S"] == ENDED:
                ended[item["at"]["S"]] = float(item["ended"]["N"])
            else:
                at, invocation, _ = item["at"]["S"].split("#", 2)
                deliveries[item["body"]["S"]].append((float(at), invocation))
        overrun = []
        for body, seen in deliveries.items():
            seen.sort()
            # never ended (timed out) counts as still running
            if body in self.sent and any(ended.get(earlier, float("inf")) > delivered_again
                                         for (_, earlier), (delivered_again, _) in zip(seen, seen[1:])):
                overrun.append(name_of(self.sent[body]))
        if overrun:
            raise Inconclusive(f"{', '.join(sorted(overrun))} delivered again while an earlier invocation "
                               f"of it had not ended: it ran longer than the {VISIBILITY_S} s "
                               f"visibility timeout (a busy machine, or a slow handler)",
                               "each invocation to end within the visibility timeout, so that only "
                               "the handler's answers make SQS deliver a message again")

    def _attempt_summary(self) -> str:
        counts = self.attempts()
        return ", ".join(f"{name_of(self.sent[b])}: {n}" for b, n in counts.items()
                         if b in self.sent) or "no delivery reached the function"

    def payments(self) -> Counter:
        """Payments recorded per order id (the given process() writes one per success)."""
        counts: Counter = Counter()
        for page in self.ddb.get_paginator("scan").paginate(TableName=self.payments_table,
                                                            ConsistentRead=True):
            counts.update(item["order_id"]["S"] for item in page["Items"])
        self.s.evidence["payments"] = dict(counts)
        return counts

    def parked(self) -> list[dict[str, Any]]:
        """Every message in the DLQ (read and deleted): body and attributes."""
        found = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1, VisibilityTimeout=60,
                                           MessageAttributeNames=["All"])
            messages = got.get("Messages", [])
            if not messages:
                break
            for message in messages:
                found.append({"body": message["Body"], "attributes": {
                    k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}})
                self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
        self.s.evidence["parked"] = [
            {"order": name_of(self.sent[m["body"]]) if m["body"] in self.sent else m["body"][:80],
             **m["attributes"]} for m in found]
        return found


def _learner_function(s: Scenario, name: str, timeout_s: float = 15.0):
    return s.function({"LABKIT_HANDLER_NAME": name}, timeout_s=timeout_s)


def call_learner(s: Scenario, name: str, event: dict[str, Any], timeout_s: float = 15.0) -> Any:
    result = _learner_function(s, name, timeout_s).invoke(event)
    s.evidence.setdefault("calls", []).append({"function": name, "event": event,
                                                **result.as_evidence()})
    s.expect(result.ok, observed=f"{name}(event) ended with {result.describe()}",
             expected=f"{name} to return")
    return result.payload


# -- the redrive policy's way into a DLQ -------------------------------------------------------

def dead_letter(s: Scenario, dlq_url: str, bodies: list[str], timeout_s: float = 30.0) -> None:
    """Puts each body in the DLQ the way a RedrivePolicy does, not with SendMessage: through a
    queue that allows one receive, each message received and never deleted. SQS counts such a
    move in no NumberOfMessagesSent ("If a message is sent to a dead-letter queue as a result of
    a failed processing attempt, it isn't captured by this metric": "Using dead-letter queues in
    Amazon SQS", SQS Developer Guide), so only an alarm on the DLQ's depth sees it."""
    sqs = s.client("sqs")
    source = s.create.queue("poison", VisibilityTimeout=0, RedrivePolicy={
        "deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": 1})
    for body in bodies:
        sqs.send_message(QueueUrl=source, MessageBody=body)

    def moved() -> bool:   # a receive past maxReceiveCount moves the message instead
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)
        attributes = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
        return attributes["ApproximateNumberOfMessages"] == "0" and \
            attributes["ApproximateNumberOfMessagesNotVisible"] == "0"

    wait_until(moved, timeout=timeout_s, interval=0.2, what="the poison messages dead-lettered")
