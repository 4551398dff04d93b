"""Checks for lab 08 (observability): one correlation id through every hop, and the query that
finds a failed request's whole path.

The learner writes ``lab08_pipeline.py`` (the ``%%writefile`` cell of labs/08_observability.ipynb):
three handlers of an order pipeline, API-style entry -> SQS -> ``orders`` -> SNS -> ``notify``,

  * ``api(event, context)``: an API Gateway-style event (``headers``, ``body`` = the order as
    JSON); sends the order to the queue $ORDERS_QUEUE_URL and answers ``{"statusCode": 202,
    "headers": {"x-correlation-id": id}, ...}``;
  * ``orders(event, context)``: an SQS event; publishes each good order to $ORDER_TOPIC_ARN,
    rejects ``"fail_at": "orders"`` and answers ``{"batchItemFailures": [...]}``;
  * ``notify(event, context)``: an SNS event; sends a confirmation, fails (raises) for
    ``"fail_at": "notify"``;

and a query ``request_path(frame, correlation_id)`` over a DataFrame of log events (the columns of
``labkit.lessons.observability_lesson.parse_log_event``), called by the checks through the file's
given ``query(event, context)`` adapter.

Each hop runs in its own execution environments (labkit.checks.sandbox), with its own log, the
way each Lambda function has its own log group. The check plays the event sources: it reads the
real queue (with its message attributes, as the SQS event source does), hands a failed record out
again after its visibility timeout until ``MAX_RECEIVES``, reads what the topic delivered to an
SQS subscription and builds the Lambda SNS event from it (message attributes included), and
retries a failed ``notify`` twice as Lambda does for asynchronous invocations.

What the checks protect:
  * every line a hop writes is a JSON object with a level, a message and the Lambda request id
    (Powertools Logger ``inject_lambda_context``; Lambda "JSON log format" docs);
  * the id is taken from the caller's ``x-correlation-id`` header or minted once at the edge,
    returned to the caller and sent on as the SQS message attribute ``correlation_id`` (issue 10:
    "API-style entry -> SQS (message attributes)");
  * every log line of a request chain, failures and retries included, carries that chain's id
    and no other, including in a batch that mixes several requests;
  * the query returns every line of a failed request in time order: the lines carrying its id,
    plus the id-less lines (platform.start/report, the runtime's error report) of the
    invocations that handled it, and nothing of the requests that shared a batch with it.
"""
from __future__ import annotations

import json
import os
import random
import time
import uuid
from typing import Any

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.sandbox import Invocation
from labkit.emulator.runtime import report

LAB = Lab(
    "08", "Observability: one id through every hop", handler_file="lab08_pipeline.py",
    notebook="08_observability.ipynb",
    tasks={
        "task-1": "Structured JSON logs from every hop",
        "task-2": "One correlation id from the edge through every hop",
        "task-3": "The full path of a failed request, from its id",
    },
    lesson_sections={
        "task-1": "The pipeline and its structured logs",
        "task-2": "4 · Trace one failed order end to end, from one id",
        "task-3": "2 · Querying the logs like Logs Insights",
    },
)
HOPS = ("api", "orders", "notify")
HANDLER_TIMEOUT_S = 10.0     # generous: a cold start imports Powertools on a loaded machine
QUERY_TIMEOUT_S = 30.0       # the query's first call imports pandas
VISIBILITY_TIMEOUT_S = 1     # a (much shortened) visibility timeout: failed records come back
MAX_RECEIVES = 2             # the orders queue's maxReceiveCount: then the DLQ takes the record
ASYNC_RETRIES = 2            # AWS: Lambda retries a failed asynchronous invocation twice
DRAIN_DEADLINE_S = 60.0


def _line_id(line: Any) -> str | None:
    return line.get("correlation_id") if isinstance(line, dict) else None


def _show(line: Any, limit: int = 160) -> str:
    text = json.dumps(line) if isinstance(line, dict) else repr(line)
    return text if len(text) <= limit else text[:limit] + "..."


class _Pipeline:
    """The learner's three handlers, wired to a fresh queue and topic; records every
    invocation with the requests it carried and the log lines it wrote."""

    def __init__(self, s: Scenario):
        self.s = s
        self.sqs, sns = s.client("sqs"), s.client("sns")
        self.queue_url = self._queue(f"{s.namespace}-orders",
                                     VisibilityTimeout=str(VISIBILITY_TIMEOUT_S))
        self.queue_arn = self._arn(self.queue_url)
        self.topic_arn = sns.create_topic(Name=f"{s.namespace}-accepted")["TopicArn"]
        s.on_cleanup(lambda: sns.delete_topic(TopicArn=self.topic_arn))
        # what the topic delivers, read back to build the SNS event notify would receive
        self.inbox_url = self._queue(f"{s.namespace}-notify-inbox")
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=self._arn(self.inbox_url))
        env = {"ORDERS_QUEUE_URL": self.queue_url, "ORDER_TOPIC_ARN": self.topic_arn}
        self.functions = {hop: s.function({**env, "LABKIT_HANDLER_NAME": hop,
                                           "POWERTOOLS_SERVICE_NAME": hop},
                                          timeout_s=HANDLER_TIMEOUT_S) for hop in HOPS}
        self.invocations: list[dict[str, Any]] = []
        self.dead_lettered: list[str] = []
        s.evidence["invocations"] = self.invocations

    def _queue(self, name: str, **attributes: str) -> str:
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.s.on_cleanup(lambda: self.sqs.delete_queue(QueueUrl=url))
        return url

    def _arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def invoke(self, hop: str, event: dict[str, Any], orders: list[str]) -> Invocation:
        """One invocation, and the lines it wrote (invocations of a hop never overlap here)."""
        fn = self.functions[hop]
        fn.log.flush()
        start = os.path.getsize(fn.log.name)
        result = fn.invoke(event)
        with open(fn.log.name, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        lines = [_parse(t) for t in text.splitlines() if t.strip()]
        self.invocations.append({"hop": hop, "orders": orders, "result": result.as_evidence(),
                                 "lines": lines})
        if result.status in ("timeout", "init_error", "crashed"):
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
            ids = [_order_id(m["Body"]) for m in messages]
            result = self.invoke("orders", _sqs_event(messages, self.queue_arn), ids)
            failed = _failed_ids(result, messages)
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
                order_id = _order_id(envelope["Message"])
                event = _sns_event(envelope, self.topic_arn)
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


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _order_id(body: str) -> str:
    try:
        return str(json.loads(body)["order_id"])
    except (ValueError, KeyError, TypeError):
        raise Mismatch(f"a message without the order: {body[:120]!r}",
                       "the order (with its order_id) as the message body, as given") from None


def _sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event the SQS event source gives Lambda (AWS Lambda Developer Guide, "Using Lambda
    with Amazon SQS": example standard queue message event)."""
    def attribute(value: dict[str, Any]) -> dict[str, Any]:
        return {"stringValue": value.get("StringValue"), "stringListValues": [],
                "binaryListValues": [], "dataType": value.get("DataType", "String")}
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": {k: attribute(v) for k, v in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1"} for m in messages]}


def _sns_event(envelope: dict[str, Any], topic_arn: str) -> dict[str, Any]:
    """The event SNS gives a Lambda subscriber (AWS Lambda Developer Guide, "Using Lambda with
    Amazon SNS": example SNS message event), from the envelope SNS delivered to SQS."""
    return {"Records": [{
        "EventVersion": "1.0", "EventSource": "aws:sns",
        "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
        "Sns": {"Type": "Notification", "MessageId": envelope.get("MessageId"),
                "TopicArn": topic_arn, "Subject": None, "Message": envelope["Message"],
                "Timestamp": envelope.get("Timestamp"), "SignatureVersion": "1",
                "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
                "MessageAttributes": envelope.get("MessageAttributes", {})}}]}


def _failed_ids(result: Invocation, messages: list[dict[str, Any]]) -> set[str]:
    """Partial batch response: the listed items failed; an error fails the whole batch."""
    if not result.ok:
        return {m["MessageId"] for m in messages}
    failures = (result.payload or {}).get("batchItemFailures", []) \
        if isinstance(result.payload, dict) else []
    return {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}


def _requests(r: random.Random, count: int, fail_orders: int, fail_notify: int,
              callers: int) -> list[dict[str, Any]]:
    """A seeded mix: some callers send their own id, some orders fail at a hop."""
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
    return requests


PUBLIC_REQUESTS = [
    {"order": {"order_id": "o-1001", "items": 2}, "caller_id": None},
    {"order": {"order_id": "o-1002", "items": 1, "fail_at": "orders"}, "caller_id": "client-7f3a"},
    {"order": {"order_id": "o-1003", "items": 3}, "caller_id": "client-91c2",
     "header": "x-correlation-id"},
    {"order": {"order_id": "o-1004", "items": 1, "fail_at": "notify"}, "caller_id": None},
    {"order": {"order_id": "o-1005", "items": 2}, "caller_id": None},
]


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "json-lines", "every line of every hop is a structured JSON log line",
           points=2,
           hint="Log with Powertools Logger (logger = Logger(); logger.info(...)) instead of "
                "print, and decorate each handler with @logger.inject_lambda_context so every "
                "line carries level, message and function_request_id. Errors too: "
                "logger.exception(...) in the except block.",
           public={"requests": PUBLIC_REQUESTS[:4], "batch": 2},
           hidden=lambda r: {"requests": _requests(r, r.randint(3, 5), 1, 1, 1),
                             "batch": r.randint(2, 3)})
def json_lines(s: Scenario) -> None:
    pipeline = _Pipeline(s)
    pipeline.run(s.params["requests"], s.params["batch"])
    for hop in HOPS:
        request_ids: dict[str, int] = {}
        for number, invocation in enumerate(pipeline.of_hop(hop), start=1):
            lines = invocation["lines"]
            where = f"{hop} invocation {number} (orders {', '.join(invocation['orders'])})"
            s.expect(bool(lines), observed=f"{where} wrote no log line",
                     expected="at least one line per invocation")
            for line in lines:
                s.expect(isinstance(line, dict) and isinstance(line.get("level"), str)
                         and "message" in line,
                         observed=f"{where} wrote {_show(line)}",
                         expected='one JSON object per line with "level" and "message" '
                                  "(Powertools Logger)")
            ids = {line.get("function_request_id") or line.get("requestId") for line in lines}
            s.expect(len(ids) == 1 and None not in ids,
                     observed=f"{where}: request ids {sorted(map(str, ids))} on its lines",
                     expected="every line with the invocation's Lambda request id "
                              "(function_request_id: @logger.inject_lambda_context)")
            request_id = ids.pop()
            s.expect(request_id not in request_ids,
                     observed=f"{where} has the request id of invocation "
                              f"{request_ids.get(request_id)}",
                     expected="each invocation's own request id (context.aws_request_id)")
            request_ids[request_id] = number


# -- task 2 ------------------------------------------------------------------------------------

@LAB.check("task-2", "id-at-the-edge",
           "the api keeps the caller's id or mints one, returns it and queues it as an attribute",
           points=2,
           hint="In api: correlation_id = the x-correlation-id header (any case) or a new "
                "uuid4; return it in the response headers as x-correlation-id and send it as the "
                'SQS message attribute "correlation_id" (DataType String).',
           public={"requests": PUBLIC_REQUESTS},
           hidden=lambda r: {"requests": _requests(r, r.randint(3, 6), 0, 0, r.randint(1, 2))})
def id_at_the_edge(s: Scenario) -> None:
    pipeline = _Pipeline(s)
    returned: dict[str, str] = {}
    for request in s.params["requests"]:
        order_id = request["order"]["order_id"]
        answer = pipeline.place(request["order"], request.get("caller_id"),
                                request.get("header", "X-Correlation-Id"))
        payload = answer.payload if answer.ok and isinstance(answer.payload, dict) else {}
        headers = {str(k).lower(): v for k, v in (payload.get("headers") or {}).items()}
        given = headers.get("x-correlation-id")
        s.expect(isinstance(given, str) and given != "",
                 observed=f"api answered {answer.describe()} for {order_id}",
                 expected='a response with headers {"x-correlation-id": the id}')
        if request.get("caller_id"):
            s.expect(given == request["caller_id"],
                     observed=f"the caller sent {request.get('header', 'X-Correlation-Id')}: "
                              f"{request['caller_id']}; api answered x-correlation-id {given}",
                     expected="the caller's id kept (header names are case-insensitive)")
        returned[order_id] = given
    minted = [v for r in s.params["requests"] if not r.get("caller_id")
              for v in [returned[r["order"]["order_id"]]]]
    s.expect(len(set(returned.values())) == len(returned),
             observed=f"{len(returned)} requests got {len(set(returned.values()))} distinct ids "
                      f"({sorted(set(minted))[:3]}...)",
             expected="a new id for each request without one")
    queued: dict[str, str | None] = {}
    deadline = time.monotonic() + DRAIN_DEADLINE_S
    while len(queued) < len(returned) and time.monotonic() < deadline:
        for message in pipeline.receive(pipeline.queue_url, 10):
            attribute = message.get("MessageAttributes", {}).get("correlation_id", {})
            queued[_order_id(message["Body"])] = attribute.get("StringValue")
            pipeline.sqs.delete_message(QueueUrl=pipeline.queue_url,
                                        ReceiptHandle=message["ReceiptHandle"])
    s.evidence["returned"], s.evidence["queued"] = returned, queued
    for order_id, correlation_id in returned.items():
        s.expect(order_id in queued, observed=f"order {order_id} never reached the queue",
                 expected="api to send every order to $ORDERS_QUEUE_URL")
        s.expect(queued[order_id] == correlation_id,
                 observed=f"order {order_id} queued with message attribute correlation_id = "
                          f"{queued[order_id]!r}",
                 expected=f"{correlation_id!r}, the id api returned")


@LAB.check("task-2", "same-id-every-hop",
           "every log line of a request chain carries the chain's id, failures included",
           points=3,
           hint="Each hop reads the id where the previous hop put it and calls "
                "logger.set_correlation_id(...) before its first line: orders per record (a "
                "batch mixes requests) from messageAttributes, notify from the SNS message "
                "(attribute or body). orders passes it on when it publishes. Set it in api for "
                "minted ids too: Powertools keeps keys between warm invocations.",
           public={"requests": PUBLIC_REQUESTS, "batch": 3},
           hidden=lambda r: {"requests": _requests(r, r.randint(4, 7), r.randint(1, 2), 1,
                                                   r.randint(1, 3)),
                             "batch": r.randint(2, 4)})
def same_id_every_hop(s: Scenario) -> None:
    pipeline = _Pipeline(s)
    pipeline.run(s.params["requests"], s.params["batch"])
    chain: dict[str, str] = {}
    for invocation in pipeline.of_hop("api"):
        order_id = invocation["orders"][0]
        ids = [_line_id(line) for line in invocation["lines"]]
        s.expect(bool(ids) and ids[0] is not None and len(set(ids)) == 1,
                 observed=f"api's lines for {order_id} carry correlation ids {ids}",
                 expected="every line with the request's one id")
        s.expect(ids[0] not in chain.values(),
                 observed=f"api logged {ids[0]} for {order_id} and for another request",
                 expected="a different id for each request")
        chain[order_id] = ids[0]
    s.evidence["chain_ids"] = chain
    for invocation in pipeline.of_hop("orders"):
        ids = [_line_id(line) for line in invocation["lines"]]
        runs = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
        want = [chain.get(order_id) for order_id in invocation["orders"]]
        s.expect(runs == want,
                 observed=f"an orders batch of {', '.join(invocation['orders'])} logged lines "
                          f"whose ids run {runs}",
                 expected=f"{want}: each record's lines with its own request's id, "
                          "in batch order")
    for invocation in pipeline.of_hop("notify"):
        order_id = invocation["orders"][0]
        ids = [_line_id(line) for line in invocation["lines"]]
        s.expect(bool(ids) and set(ids) == {chain.get(order_id)},
                 observed=f"notify's lines for {order_id} carry ids {sorted(map(str, set(ids)))}"
                          + ("" if invocation["result"]["status"] == "ok" else " (a failure)"),
                 expected=f"only {chain.get(order_id)}, the id api gave that request")


# -- task 3 ------------------------------------------------------------------------------------

POWERTOOLS_TIME = "%Y-%m-%d %H:%M:%S,{ms:03d}+0000"


class _LogRun:
    """A pipeline run as CloudWatch Logs holds it, with the truth of which request each line
    belongs to: lines in the shapes the Lambda JSON log format and Powertools Logger write."""

    def __init__(self, r: random.Random, prefix: str):
        self.r, self.prefix = r, prefix
        self.clock = 1_795_000_000_000 + r.randrange(10**8)
        self.streams: dict[str, dict[str, list[dict[str, Any]]]] = {h: {} for h in HOPS}
        self.environments: dict[str, list[dict[str, Any]]] = {h: [] for h in HOPS}
        self.owners: dict[str, set[str]] = {}   # event id -> correlation ids it belongs to
        self.times: dict[str, int] = {}

    def _emit(self, hop: str, stream: str, message: str, owners: set[str]) -> None:
        self.clock += self.r.randint(1, 9)
        event_id = f"{self.clock}{len(self.owners):08d}"
        self.streams[hop].setdefault(stream, []).append({
            "logStreamName": stream, "timestamp": self.clock, "message": message,
            "ingestionTime": self.clock + self.r.randint(20, 900), "eventId": event_id})
        self.owners[event_id], self.times[event_id] = owners, self.clock

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
               unhandled: str | None = None) -> None:
        """records: (correlation id, [(level, message, extra), ...]) per record handled."""
        environment = self._environment(hop)
        stream, cold = environment["stream"], environment["cold"]
        request_id = str(uuid.UUID(int=self.r.getrandbits(128), version=4))
        everyone = {cid for cid, _ in records}
        when = self.clock / 1000
        if cold:
            self._emit(hop, stream, report.init_start_line(True, when), set())
        self._emit(hop, stream, report.start_line(request_id, "$LATEST", True, when), everyone)
        for correlation_id, lines in records:
            for level, message, extra in lines:
                self._emit(hop, stream, json.dumps({
                    "level": level, "location": f"{hop}:{self.r.randint(20, 60)}",
                    "message": message, "timestamp": self._when(), "service": hop,
                    "cold_start": cold, "function_name": f"{self.prefix}-{hop}",
                    "function_memory_size": 128,
                    "function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:"
                                    f"{self.prefix}-{hop}",
                    "function_request_id": request_id, "correlation_id": correlation_id,
                    **extra}), {correlation_id})
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


def _simulate(params: dict[str, Any]) -> tuple[_LogRun, list[str]]:
    """Run the order pipeline on paper: api for every request, then orders in batches (a
    rejected record comes back in a later batch until MAX_RECEIVES), then notify per accepted
    order (a failure raises and is retried ASYNC_RETRIES times)."""
    r = random.Random(params["seed"])
    run = _LogRun(r, f"lab08-{r.randrange(16**6):06x}")
    fail = {int(i): where for i, where in params["failures"].items()}
    ids = [f"client-{r.randrange(16**8):08x}" if r.random() < 0.4 else str(uuid.UUID(
        int=r.getrandbits(128), version=4)) for _ in range(params["requests"])]
    orders = [f"o-{r.randrange(10**4):04d}-{i}" for i in range(params["requests"])]
    for i, cid in enumerate(ids):
        run.invoke("api", [(cid, [("INFO", "order received", {"order_id": orders[i]}),
                                  ("INFO", "order queued", {})])])
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
        run.invoke("orders", records)
    for i in accepted:
        for _ in range(1 + (ASYNC_RETRIES if fail.get(i) == "notify" else 0)):
            lines = [("INFO", "sending confirmation", {"order_id": orders[i]})]
            if fail.get(i) == "notify":
                lines.append(("ERROR", "notification failed", {
                    "exception_name": "NotificationFailed"}))
                run.invoke("notify", [(ids[i], lines)],
                           unhandled=f"no e-mail address for order {orders[i]}")
            else:
                run.invoke("notify", [(ids[i], lines + [("INFO", "confirmation sent", {})])])
    return run, ids


def _hidden_log_run(r: random.Random) -> dict[str, Any]:
    count = r.randint(5, 9)
    failing = r.sample(range(count), 3)
    failures = {str(i): r.choice(["orders", "notify"]) for i in failing}
    order = list(HOPS)
    r.shuffle(order)
    return {"seed": r.randrange(10**9), "requests": count, "batch": r.randint(2, 4),
            "failures": failures, "ask": r.choice(failing), "group_order": order}


@LAB.check("task-3", "failed-request-path",
           "the query returns every line of a failed request, in order, and nothing else",
           points=3,
           hint="Lines with the correlation id give you the Lambda request ids of the "
                "invocations that handled the request; add the lines WITHOUT a correlation id "
                "that carry one of those request ids (platform.start/report, the runtime's "
                "error report), not other requests' lines from a shared batch, then sort by "
                "time (log groups and streams arrive one after the other).",
           public={"seed": 8, "requests": 6, "batch": 3,
                   "failures": {"2": "notify", "4": "orders"}, "ask": 2,
                   "group_order": sorted(HOPS)},
           hidden=_hidden_log_run)
def failed_request_path(s: Scenario) -> None:
    run, ids = _simulate(s.params)
    correlation_id = ids[s.params["ask"]]
    want = run.path(correlation_id)
    fn = s.function({"LABKIT_HANDLER_NAME": "query"}, timeout_s=QUERY_TIMEOUT_S)
    answer = fn.invoke({"log_groups": run.log_groups(s.params["group_order"]),
                        "correlation_id": correlation_id})
    s.evidence["asked"], s.evidence["expected_event_ids"] = correlation_id, want
    s.evidence["answer"] = answer.as_evidence()
    got = answer.payload if answer.ok else None
    s.expect(isinstance(got, list),
             observed=f"the query answered {answer.describe()[:300]}",
             expected="request_path(frame, correlation_id) to return rows of the frame "
                      "(with its event_id column)")
    got = [str(e) for e in got]
    messages = {e["eventId"]: e["message"] for events in run.log_groups(list(HOPS)).values()
                for e in events}
    missing = [e for e in want if e not in got]
    s.expect(not missing, observed=f"{len(missing)} of the request's {len(want)} lines missing, "
             f"e.g. {messages.get(missing[0], '?')[:120] if missing else ''}",
             expected="every line with its id, and the id-less lines of its invocations")
    extra = [e for e in got if e not in want]
    s.expect(not extra, observed=f"{len(extra)} lines that are not the request's, e.g. "
             f"{messages.get(extra[0], extra[0] if extra else '')[:160] if extra else ''}",
             expected=f"only the {len(want)} lines of request {correlation_id}")
    s.expect(got == want, observed="the right lines in another order (first out of place: "
             f"{messages.get(next((g for g, w in zip(got, want) if g != w), ''), '')[:120]})",
             expected="time order, across log groups and streams")
