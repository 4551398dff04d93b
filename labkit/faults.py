"""Fault injection shared by the lessons and the checks. Everything random here is seeded.

What production does to serverless code, made to happen on demand:
  * duplicate delivery: ``resend`` (the producer retries) and ``redeliver_by_visibility_expiry``
    (the consumer took too long, SQS hands the message out again);
  * poison messages: ``send_poison``;
  * a downstream that fails transiently N times or permanently, is slow, or whose caller's
    execution environment dies right after the side effect: ``Downstream``;
  * out-of-order events and duplicates mixed in: ``delivery_schedule``;
  * concurrent duplicates: ``at_once``.
Handler timeouts are enforced by whatever runs the handler (the Lambda runtime, or the check
sandbox in labkit.checks.sandbox), which kills the execution environment like Lambda does.

``Downstream`` keeps its state in one DynamoDB table, so the learner's handler (in another
process, or on LocalStack/AWS), the lesson and the check all see the same calls and faults.
"""
from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import uuid
from typing import Any, Callable, Sequence

DOWNSTREAM_TABLE = "labkit-downstream"


def rng(*labels: Any) -> random.Random:
    """A random generator determined by its labels (seed, lab, check, scenario number)."""
    return random.Random(":".join(str(label) for label in labels))


class DownstreamUnavailable(Exception):
    """A transient failure: trying again later may succeed (think HTTP 503)."""


class DownstreamRejected(Exception):
    """A permanent failure: trying again will fail the same way (think HTTP 402/422)."""


def _dynamodb(endpoint_url: str | None = None):
    import boto3

    kwargs = {}
    if endpoint_url:
        kwargs.update(endpoint_url=endpoint_url, aws_access_key_id="test",
                      aws_secret_access_key="test")
    return boto3.client("dynamodb", region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        **kwargs)


_tables_ready: set[str] = set()
_tables_lock = threading.Lock()


def _ensure_table(client) -> None:
    key = client.meta.endpoint_url
    with _tables_lock:
        if key in _tables_ready:
            return
        try:  # one request in the common case: the table is already there
            status = client.describe_table(TableName=DOWNSTREAM_TABLE)["Table"]["TableStatus"]
            if status == "ACTIVE":
                _tables_ready.add(key)
                return
        except client.exceptions.ResourceNotFoundException:
            pass
        try:
            client.create_table(
                TableName=DOWNSTREAM_TABLE, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "sk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}])
        except client.exceptions.ResourceInUseException:
            pass
        client.get_waiter("table_exists").wait(TableName=DOWNSTREAM_TABLE,
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        _tables_ready.add(key)


class Downstream:
    """A simulated third-party API (a payment provider, an e-mail sender) with faults.

    ``call(key=..., **payload)`` records one side effect and returns it with a ``call_id``.
    Given a ``key`` it behaves like an API with idempotency keys (Stripe's Idempotency-Key):
    a repeated key returns the original call and records nothing new.
    """

    def __init__(self, name: str, endpoint_url: str | None = None, client=None):
        self.name = name
        self._client = client or _dynamodb(endpoint_url)
        _ensure_table(self._client)

    # -- what the learner's code calls ------------------------------------------------
    def call(self, key: str | None = None, **payload: Any) -> dict[str, Any]:
        control = self._control()
        if control.get("delay", 0) > 0:
            time.sleep(control["delay"])  # a slow downstream widens every race window
        if control.get("permanent"):
            raise DownstreamRejected(f"{self.name} rejected the request permanently")
        if self._consume(control, "fail_remaining") or (
                control["per_order"] and self._consume_order_fault(str(payload.get("order_id")))):
            raise DownstreamUnavailable(f"{self.name} is temporarily unavailable, try again")
        call = {"call_id": uuid.uuid4().hex[:12], "key": key, **payload}
        if key is not None:
            existing = self._claim_key(key, call["call_id"])
            if existing is not None:
                return self._get_call(existing)
        self._client.put_item(TableName=DOWNSTREAM_TABLE, Item={
            "pk": {"S": f"{self.name}#calls"},
            "sk": {"S": f"{time.time():017.6f}#{call['call_id']}"},
            "call_id": {"S": call["call_id"]}, "body": {"S": json.dumps(call)}})
        if self._consume(control, "crash_after"):
            # The execution environment dies right after the side effect, before the
            # handler can record or return anything (an OOM kill, a timeout, a host failure).
            os.kill(os.getpid(), signal.SIGKILL)
        return call

    # -- what lessons and checks call -------------------------------------------------
    def fail(self, times: int) -> None:
        """The next ``times`` calls fail with DownstreamUnavailable."""
        self._set(fail_remaining=times)

    def fail_calls_about(self, order_id: str, times: int) -> None:
        """The next ``times`` calls whose payload has this ``order_id`` fail with
        DownstreamUnavailable (a fault that hits one order, wherever it is processed)."""
        self._client.put_item(TableName=DOWNSTREAM_TABLE, Item={
            "pk": {"S": f"{self.name}#order-faults"}, "sk": {"S": order_id},
            "fail_remaining": {"N": str(times)}})
        self._set(per_order=True)

    def faults_left(self) -> dict[str, Any]:
        """What is still armed: delay, permanent, fail_remaining, crash_after (per-order
        failures not included)."""
        return {k: v for k, v in self._control().items() if k != "per_order"}

    def fail_permanently(self) -> None:
        self._set(permanent=True)

    def slow(self, seconds: float) -> None:
        self._set(delay=seconds)

    def crash_after_next_call(self, calls: int = 1) -> None:
        """Kill the caller's process right after each of the next ``calls`` side effects."""
        self._set(crash_after=calls)

    def heal(self) -> None:
        self._client.delete_item(TableName=DOWNSTREAM_TABLE,
                                 Key={"pk": {"S": f"{self.name}#control"}, "sk": {"S": "-"}})

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded side effect, oldest first."""
        items = self._query(f"{self.name}#calls")
        return [json.loads(item["body"]["S"]) for item in items]

    def reset(self) -> None:
        """Forget calls, keys and faults."""
        for suffix in ("calls", "keys", "control", "order-faults"):
            for item in self._query(f"{self.name}#{suffix}"):
                self._client.delete_item(TableName=DOWNSTREAM_TABLE,
                                         Key={"pk": item["pk"], "sk": item["sk"]})

    # -- storage ---------------------------------------------------------------------
    def _control(self) -> dict[str, Any]:
        item = self._client.get_item(
            TableName=DOWNSTREAM_TABLE, ConsistentRead=True,
            Key={"pk": {"S": f"{self.name}#control"}, "sk": {"S": "-"}}).get("Item", {})
        return {
            "delay": float(item.get("delay", {}).get("N", 0)),
            "permanent": item.get("permanent", {}).get("BOOL", False),
            "fail_remaining": int(item.get("fail_remaining", {}).get("N", 0)),
            "crash_after": int(item.get("crash_after", {}).get("N", 0)),
            "per_order": item.get("per_order", {}).get("BOOL", False),
        }

    def _set(self, **values: Any) -> None:
        names = {f"#{k}": k for k in values}
        vals = {f":{k}": ({"BOOL": v} if isinstance(v, bool) else {"N": str(v)})
                for k, v in values.items()}
        self._client.update_item(
            TableName=DOWNSTREAM_TABLE,
            Key={"pk": {"S": f"{self.name}#control"}, "sk": {"S": "-"}},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames=names, ExpressionAttributeValues=vals)

    def _consume(self, control: dict[str, Any], counter: str) -> bool:
        """Atomically take one unit of a fault counter; False when none is left."""
        if control.get(counter, 0) <= 0:
            return False
        try:
            self._client.update_item(
                TableName=DOWNSTREAM_TABLE,
                Key={"pk": {"S": f"{self.name}#control"}, "sk": {"S": "-"}},
                UpdateExpression=f"SET {counter} = {counter} - :one",
                ConditionExpression=f"{counter} > :zero",
                ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}})
            return True
        except self._client.exceptions.ConditionalCheckFailedException:
            return False

    def _consume_order_fault(self, order_id: str) -> bool:
        """Atomically take one failure armed for this order; False when none is (left)."""
        try:
            self._client.update_item(
                TableName=DOWNSTREAM_TABLE,
                Key={"pk": {"S": f"{self.name}#order-faults"}, "sk": {"S": order_id}},
                UpdateExpression="SET fail_remaining = fail_remaining - :one",
                ConditionExpression="fail_remaining > :zero",
                ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}})
            return True
        except self._client.exceptions.ConditionalCheckFailedException:
            return False

    def _claim_key(self, key: str, call_id: str) -> str | None:
        """Reserve an idempotency key; return the call id that already holds it, if any."""
        try:
            self._client.put_item(
                TableName=DOWNSTREAM_TABLE, ConditionExpression="attribute_not_exists(pk)",
                Item={"pk": {"S": f"{self.name}#keys"}, "sk": {"S": key},
                      "call_id": {"S": call_id}})
            return None
        except self._client.exceptions.ConditionalCheckFailedException:
            item = self._client.get_item(
                TableName=DOWNSTREAM_TABLE, ConsistentRead=True,
                Key={"pk": {"S": f"{self.name}#keys"}, "sk": {"S": key}})["Item"]
            return item["call_id"]["S"]

    def _get_call(self, call_id: str) -> dict[str, Any]:
        for call in self.calls():
            if call["call_id"] == call_id:
                return call
        raise KeyError(call_id)

    def _query(self, pk: str) -> list[dict[str, Any]]:
        items, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = self._client.query(
                TableName=DOWNSTREAM_TABLE, ConsistentRead=True,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}}, **kwargs)
            items.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return items


# -- delivery schedules ------------------------------------------------------------------

def delivery_schedule(events: Sequence[Any], copies: Sequence[int],
                      random_gen: random.Random | None = None) -> list[Any]:
    """Each event repeated ``copies[i]`` times; shuffled (out of order) when given a generator.

    Repeats and reordering are exactly what an at-least-once queue without ordering (SQS
    standard) is allowed to do.
    """
    deliveries = [event for event, n in zip(events, copies) for _ in range(n)]
    if random_gen is not None:
        random_gen.shuffle(deliveries)
    return deliveries


def at_once(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Call ``fn(item)`` for every item in its own thread, all released together.

    Returns results (or the exception raised) in item order: concurrent duplicates.
    """
    barrier = threading.Barrier(len(items)) if items else None
    results: list[Any] = [None] * len(items)

    def run(i: int, item: Any) -> None:
        assert barrier is not None
        barrier.wait()
        try:
            results[i] = fn(item)
        except Exception as exc:  # the caller decides what an exception means
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, item)) for i, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# -- SQS faults ----------------------------------------------------------------------------

def resend(sqs, queue_url: str, body: str, copies: int = 2, **attributes: Any) -> list[str]:
    """Duplicate delivery by resend: the producer's retry sends the same body again."""
    return [sqs.send_message(QueueUrl=queue_url, MessageBody=body, **attributes)["MessageId"]
            for _ in range(copies)]


def send_poison(sqs, queue_url: str, body: str = "{not json") -> str:
    """A message no consumer can ever process (malformed JSON by default)."""
    return sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]


def redeliver_by_visibility_expiry(sqs, queue_url: str, visibility_timeout: int = 1,
                                   deadline_s: float = 30.0) -> list[dict[str, Any]]:
    """Duplicate delivery by visibility expiry: receive a message, do not delete it, and
    receive it again once its visibility timeout has run out (polled, with a deadline).

    Returns the two receipts of the same message (same MessageId, ApproximateReceiveCount
    1 then 2).
    """
    first = _receive_one(sqs, queue_url, visibility_timeout, deadline_s)
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        again = _receive_one(sqs, queue_url, visibility_timeout, stop - time.monotonic())
        if again["MessageId"] == first["MessageId"]:
            return [first, again]
    raise TimeoutError(f"message {first['MessageId']} was not redelivered within {deadline_s}s")


def _receive_one(sqs, queue_url: str, visibility_timeout: int, deadline_s: float) -> dict:
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1,
                                  VisibilityTimeout=visibility_timeout, WaitTimeSeconds=1,
                                  AttributeNames=["ApproximateReceiveCount"])
        if got.get("Messages"):
            return got["Messages"][0]
    raise TimeoutError(f"no message arrived on {queue_url} within {deadline_s:.0f}s")
