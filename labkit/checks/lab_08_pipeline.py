"""Lab 08's pipeline driver: the learner's three handlers (api, orders, notify) wired to a fresh
queue and topic, and driven the way their event sources drive them (labkit.checks.sandbox runs
each hop in its own execution environments, with its own log, as each Lambda function has its
own log group): the SQS event source's batches, visibility timeout and maxReceiveCount, SNS's
event for a Lambda subscriber, Lambda's two retries of a failed asynchronous invocation.

The checks in lab_08_observability.py read what ``Pipeline`` records: every invocation, the
requests it carried and the lines it wrote.
"""
from __future__ import annotations

import json
import os
import random
import time
import uuid
from typing import Any

from labkit import aws_events
from labkit.checks.framework import Inconclusive, Mismatch, Scenario
from labkit.checks.sandbox import Invocation
from labkit.lambda_outcomes import CRASHED, INIT_ERROR, TIMEOUT
from labkit.lessons.queues import queue_arn

HOPS = ("api", "orders", "notify")
HANDLER_TIMEOUT_S = 10.0     # generous: a cold start imports Powertools on a loaded machine
VISIBILITY_TIMEOUT_S = 1     # a (much shortened) visibility timeout: failed records come back
MAX_RECEIVES = 2             # the orders queue's maxReceiveCount: then the DLQ takes the record
ASYNC_RETRIES = 2            # AWS: Lambda retries a failed asynchronous invocation twice
DRAIN_DEADLINE_S = 60.0


class Pipeline:
    """The learner's three handlers, wired to a fresh queue and topic; records every
    invocation with the requests it carried and the log lines it wrote."""

    def __init__(self, s: Scenario):
        self.s = s
        self.sqs = s.client("sqs")
        self.queue_url = s.create.queue("orders", VisibilityTimeout=VISIBILITY_TIMEOUT_S)
        self.queue_arn = queue_arn(self.sqs, self.queue_url)
        self.topic_arn = s.create.topic("accepted")
        # what the topic delivers, read back to build the SNS event notify would receive
        self.inbox_url = s.create.inbox("notify-inbox", self.topic_arn)
        env = {"ORDERS_QUEUE_URL": self.queue_url, "ORDER_TOPIC_ARN": self.topic_arn}
        self.functions = {hop: s.function({**env, "LABKIT_HANDLER_NAME": hop,
                                           "POWERTOOLS_SERVICE_NAME": hop},
                                          timeout_s=HANDLER_TIMEOUT_S) for hop in HOPS}
        self.invocations: list[dict[str, Any]] = []
        self.dead_lettered: list[str] = []
        s.evidence["invocations"] = self.invocations

    def invoke(self, hop: str, event: dict[str, Any], orders: list[str]) -> Invocation:
        """One invocation, and the lines it wrote (invocations of a hop never overlap here)."""
        fn = self.functions[hop]
        fn.log.flush()
        start = os.path.getsize(fn.log.name)
        result = fn.invoke(event)
        with open(fn.log.name, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        lines = [parse_line(t) for t in text.splitlines() if t.strip()]
        self.invocations.append({"hop": hop, "orders": orders, "result": result.as_evidence(),
                                 "lines": lines})
        if result.status == TIMEOUT:
            # a handler of this lab does a few calls in milliseconds: past HANDLER_TIMEOUT_S, a
            # loaded machine (a cold start importing Powertools) is as likely as the code. The
            # scenario runs again; a handler that hangs every time still gets no points.
            raise Inconclusive(f"{hop} ended with {result.describe()}",
                               f"an answer within {HANDLER_TIMEOUT_S:.0f} s")
        if result.status in (INIT_ERROR, CRASHED):
            raise Mismatch(f"{hop} ended with {result.describe()}",
                           f"an answer within {HANDLER_TIMEOUT_S:.0f} s")
        return result

    # -- the hops, driven the way their event sources drive them --------------------------------

    def place(self, order: dict[str, Any], caller_id: str | None,
              header: str = "X-Correlation-Id") -> Invocation:
        headers = {"content-type": "application/json"}
        if caller_id:
            headers[header] = caller_id
        event = {"resource": "/orders", "path": "/orders", "httpMethod": "POST",
                 "headers": headers, "queryStringParameters": None, "isBase64Encoded": False,
                 "requestContext": {"requestId": str(uuid.uuid4()), "stage": "prod"},
                 "body": json.dumps(order)}
        return self.invoke("api", event, [order["order_id"]])

    def receive(self, url: str, batch: int) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch,
                                        AttributeNames=["All"], MessageAttributeNames=["All"],
                                        WaitTimeSeconds=1).get("Messages", [])

    def drain_orders(self, expected: set[str], batch: int) -> None:
        """What the SQS event source does: batches to ``orders``, delete what succeeded, failed
        records come back after the visibility timeout, MAX_RECEIVES failures go to the DLQ."""
        done: set[str] = set()
        deadline = time.monotonic() + DRAIN_DEADLINE_S
        while done < expected and time.monotonic() < deadline:
            messages = self.receive(self.queue_url, batch)
            if not messages:
                continue
            ids = [order_id_of(m["Body"]) for m in messages]
            result = self.invoke("orders", sqs_event(messages, self.queue_arn), ids)
            failed = failed_ids(result, messages)
            for message, order_id in zip(messages, ids):
                receives = int(message["Attributes"]["ApproximateReceiveCount"])
                if message["MessageId"] in failed and receives < MAX_RECEIVES:
                    continue  # comes back after the visibility timeout
                if message["MessageId"] in failed:
                    self.dead_lettered.append(order_id)
                self.sqs.delete_message(QueueUrl=self.queue_url,
                                        ReceiptHandle=message["ReceiptHandle"])
                done.add(order_id)
        missing = expected - done
        if missing:
            raise Mismatch(f"{len(missing)} orders never left the orders queue "
                           f"({', '.join(sorted(missing))})",
                           "every order processed or dead-lettered after "
                           f"{MAX_RECEIVES} receives")

    def drain_notifications(self, expected: set[str]) -> None:
        """What SNS does for a Lambda subscriber: one event per message, asynchronously (so a
        failed invocation is retried twice, here without the minutes of waiting)."""
        seen: set[str] = set()
        deadline = time.monotonic() + DRAIN_DEADLINE_S
        while seen < expected and time.monotonic() < deadline:
            for message in self.receive(self.inbox_url, 10):
                envelope = json.loads(message["Body"])
                order_id = order_id_of(envelope["Message"])
                event = sns_event(envelope, self.topic_arn)
                for _ in range(1 + ASYNC_RETRIES):
                    if self.invoke("notify", event, [order_id]).ok:
                        break
                seen.add(order_id)
                self.sqs.delete_message(QueueUrl=self.inbox_url,
                                        ReceiptHandle=message["ReceiptHandle"])
        missing = expected - seen
        if missing:
            raise Mismatch(f"no SNS notification for {len(missing)} accepted orders "
                           f"({', '.join(sorted(missing))})",
                           "orders to publish every order it accepted to $ORDER_TOPIC_ARN")

    def run(self, requests: list[dict[str, Any]], batch: int) -> None:
        """Every request through every hop; requests: {"order": {...}, "caller_id": str|None}."""
        for request in requests:
            answer = self.place(request["order"], request.get("caller_id"),
                                request.get("header", "X-Correlation-Id"))
            if not answer.ok:
                raise Mismatch(f"api failed for order {request['order']['order_id']}: "
                               f"{answer.describe()}", "api to queue every order")
        every = {r["order"]["order_id"] for r in requests}
        self.drain_orders(every, batch)
        rejected = {r["order"]["order_id"] for r in requests
                    if r["order"].get("fail_at") == "orders"}
        self.drain_notifications(every - rejected)

    def of_hop(self, hop: str) -> list[dict[str, Any]]:
        return [i for i in self.invocations if i["hop"] == hop]


def parse_line(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def order_id_of(body: str) -> str:
    try:
        return str(json.loads(body)["order_id"])
    except (ValueError, KeyError, TypeError):
        raise Mismatch(f"a message without the order: {body[:120]!r}",
                       "the order (with its order_id) as the message body, as given") from None


# -- what the event sources hand the handlers ---------------------------------------------------

def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event the SQS event source gives Lambda for messages received from the queue."""
    return aws_events.sqs_event(aws_events.sqs_record(
        message_id=m["MessageId"], receipt_handle=m["ReceiptHandle"], body=m["Body"],
        attributes=m.get("Attributes", {}), message_attributes=m.get("MessageAttributes", {}),
        md5_of_body=m.get("MD5OfBody", ""), queue_arn=queue_arn, region="us-east-1")
        for m in messages)


def sns_event(envelope: dict[str, Any], topic_arn: str) -> dict[str, Any]:
    """The event SNS gives a Lambda subscriber, from the envelope SNS delivered to SQS."""
    return aws_events.sns_event(aws_events.sns_record(
        subscription_arn=f"{topic_arn}:{uuid.uuid4()}", topic_arn=topic_arn,
        message_id=envelope.get("MessageId"), message=envelope["Message"],
        timestamp=envelope.get("Timestamp"),
        message_attributes=envelope.get("MessageAttributes", {})))


def failed_ids(result: Invocation, messages: list[dict[str, Any]]) -> set[str]:
    """Partial batch response: the listed items failed; an error fails the whole batch."""
    if not result.ok:
        return {m["MessageId"] for m in messages}
    failures = (result.payload or {}).get("batchItemFailures", []) \
        if isinstance(result.payload, dict) else []
    return {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}


def request_mix(r: random.Random, count: int, fail_orders: int, fail_notify: int,
              callers: int, both_cases: bool = False) -> list[dict[str, Any]]:
    """A seeded mix: some callers send their own id, some orders fail at a hop. both_cases
    (callers >= 2): the callers' headers are spelled both ways, so that a handler that reads
    the header name case-sensitively misses one of them in every scenario."""
    run = r.randrange(10**6)
    kinds = ["orders"] * fail_orders + ["notify"] * fail_notify
    kinds += [None] * (count - len(kinds))
    r.shuffle(kinds)
    with_caller = set(r.sample(range(count), callers))
    requests = []
    for i, fail_at in enumerate(kinds):
        order = {"order_id": f"o-{run:06d}-{i}", "items": r.randint(1, 4)}
        if fail_at:
            order["fail_at"] = fail_at
        caller = f"client-{r.randrange(16**12):012x}" if i in with_caller else None
        requests.append({"order": order, "caller_id": caller,
                         "header": r.choice(["X-Correlation-Id", "x-correlation-id"])})
    if both_cases:
        spellings = r.sample(["X-Correlation-Id", "x-correlation-id"], 2)
        for n, request in enumerate(q for q in requests if q["caller_id"]):
            request["header"] = spellings[n % 2]
    return requests
