"""Checks for lab 01 (queue processor): partial batch failures, DLQ, visibility timeout.

The learner edits ``lab01_orders.py``, two functions:

``handler(event, context)``: an SQS batch (``event["Records"]``, each body a JSON order
``{"id": str, ...}``). It calls the given ``process(order)`` for every order; ``process``
records the attempt in the DynamoDB table $ORDERS_TABLE (``attempts``, and ``processed`` when it
succeeds) and raises ``BadOrder`` for an order that can never be processed. The handler must
answer ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` listing exactly the
failed messages, without raising.

``create_pipeline(event, context)``: event ``{"name", "function_name", "function_timeout_s",
"batching_window_s", "batch_size", "max_receive_count"}``; with plain boto3 it creates a
dead-letter queue ``<name>-dlq``, the queue ``<name>`` with a RedrivePolicy to it after
``max_receive_count`` receives and a visibility timeout of 6 x the function timeout plus the
batching window, and the event source mapping (``batch_size``, the window,
``FunctionResponseTypes=["ReportBatchItemFailures"]``); it answers ``{"queue_url",
"dlq_url", "mapping_uuid"}``. It runs in the check sandbox (like a deployment script).

AWS behaviours the checks protect (AWS Lambda Developer Guide, "Handling errors for an SQS
event source in Lambda" and "Creating and configuring an Amazon SQS event source mapping";
seeds 001 and 004):
  * with ReportBatchItemFailures only the reported messages return to the queue; without
    it, or when the handler raises, the whole batch does, and good messages are processed again;
  * a message received maxReceiveCount times without being deleted moves to the DLQ;
  * "set the source queue's visibility timeout to at least six times the timeout that you
    configure on your function", plus MaximumBatchingWindowInSeconds.
The handler runs as a Lambda function on the backend (the checks read the orders table for what
it did); its function timeout and visibility timeouts are short so a check takes seconds.
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from labkit import aws_events
from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.lessons.polling import wait_until
from labkit.lessons.queues import queue_arn

LAB = Lab(
    "01", "Queue processor: partial batch failures, DLQ, visibility", handler_file="lab01_orders.py",
    notebook="01_queue_processor.ipynb",
    tasks={
        "task-1": "Report failed messages instead of failing the batch",
        "task-2": "Configure the queue, its DLQ and the mapping",
        "task-3": "Mixed batches end to end: good once, bad dead-lettered",
    },
    lesson_sections={
        "task-1": "2 · One bad message in a batch",
        "task-2": "3 · A message that outlives its visibility timeout",
        "task-3": "2 · One bad message in a batch",
    },
)
FUNCTION_TIMEOUT_S = 3          # the checks' deployment: short, so retries come quickly, but
                                # ten DynamoDB writes fit on a loaded 2-core machine
DIRECT_TIMEOUT_S = 15           # task 1 invokes the handler directly
SETTLE_SLACK_S = 25.0           # beyond the theoretical time to dead-letter, on a loaded machine
PIPELINE_TIMEOUT_S = 60.0       # create_pipeline creates two queues and a mapping
STAND_IN_SOURCE = "def handler(event, context):\n    return {'batchItemFailures': []}\n"


def _order_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:03d}" for i in range(count)]


class _Orders:
    """The orders table the learner's ``process`` writes to, as the checks read it."""

    def __init__(self, s: Scenario):
        self.s, self.table = s, s.create.table("orders")
        self.ddb = s.client("dynamodb")

    def counts(self) -> dict[str, dict[str, int]]:
        items, start = [], None
        while True:
            page = self.ddb.scan(TableName=self.table, ConsistentRead=True,
                                 **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return {i["id"]["S"]: {"attempts": int(i.get("attempts", {}).get("N", 0)),
                               "processed": int(i.get("processed", {}).get("N", 0))} for i in items}


def _deploy(s: Scenario, suffix: str, source: str | None, orders_table: str = "",
            timeout_s: int = FUNCTION_TIMEOUT_S) -> str:
    files = {LAB.handler_file: source} if source is not None else {"stand_in.py": STAND_IN_SOURCE}
    handler = f"{Path(LAB.handler_file).stem}.handler" if source is not None else "stand_in.handler"
    return s.create.function(suffix, files, handler=handler, Timeout=timeout_s, MemorySize=256,
                             Environment={"Variables": {"ORDERS_TABLE": orders_table}})


def _sqs_record(message_id: str, body: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return aws_events.sqs_record(
        message_id=message_id, receipt_handle=f"rh-{message_id}", body=json.dumps(body),
        attributes=aws_events.sqs_attributes(receive_count=1, sent_timestamp=now,
                                             sender_id="123456789012", first_receive_timestamp=now),
        queue_arn=queue_arn, region="us-east-1")


def _bad_positions(r: random.Random, size: int) -> list[int]:
    return sorted(r.sample(range(size), r.randint(1, min(3, size - 1))))


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "reports-failures", "a batch answers exactly its failed messages", points=3,
           hint="Wrap process(order) in try/except BadOrder; for a failure append "
                '{"itemIdentifier": record["messageId"]} (the SQS message id, not the order id) '
                "and go on with the next record. Return {\"batchItemFailures\": failures} and "
                "never raise for a bad order: a raised error sends the whole batch back.",
           public={"batches": [{"size": 10, "bad": [3]}, {"size": 6, "bad": [0, 5]},
                               {"size": 4, "bad": []}]},
           hidden=lambda r: {"batches": [{"size": (n := r.randint(3, 10)),
                                          "bad": _bad_positions(r, n)} for _ in range(2)]})
def reports_failures(s: Scenario) -> None:
    orders = _Orders(s)
    # invoked directly, not by a queue: a generous timeout, a loaded machine is no learner's bug
    name = _deploy(s, "orders", Path(s.target.handler_path).read_text(),
                   orders.table, timeout_s=DIRECT_TIMEOUT_S)
    lam = s.client("lambda")
    arn = f"arn:aws:sqs:us-east-1:123456789012:{s.namespace}"
    s.evidence["batches"] = []
    for number, batch in enumerate(s.params["batches"]):
        ids = _order_ids(f"b{number}", batch["size"])
        records = [_sqs_record(f"msg-{number}-{i}-{s.namespace[-8:]}",
                               {"id": order_id, "bad": i in batch["bad"]}, arn)
                   for i, order_id in enumerate(ids)]
        response = lam.invoke(FunctionName=name, Payload=json.dumps(aws_events.sqs_event(records)).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        s.evidence["batches"].append({"bad_positions": batch["bad"], "answer": payload,
                                      "function_error": response.get("FunctionError")})
        where = f"a batch of {batch['size']} with bad orders at positions {batch['bad']}"
        s.expect(not response.get("FunctionError"),
                 observed=f"{where} failed the whole invocation: {payload}",
                 expected="an answer listing the failed messages (no exception)")
        failures = payload.get("batchItemFailures") if isinstance(payload, dict) else None
        s.expect(isinstance(failures, list),
                 observed=f"{where} was answered {payload}",
                 expected='{"batchItemFailures": [{"itemIdentifier": ...}, ...]}')
        reported = sorted(str(f.get("itemIdentifier")) if isinstance(f, dict) else repr(f)
                          for f in failures)
        wanted = sorted(records[i]["messageId"] for i in batch["bad"])
        s.expect(reported == wanted, observed=f"{where} reported {reported}",
                 expected=f"the messageIds of the bad records: {wanted}")
    counts = orders.counts()
    s.evidence["orders"] = counts
    for number, batch in enumerate(s.params["batches"]):
        for i, order_id in enumerate(_order_ids(f"b{number}", batch["size"])):
            if i not in batch["bad"]:
                done = counts.get(order_id, {}).get("processed", 0)
                s.expect(done == 1, observed=f"good order {order_id} processed {done} time(s)",
                         expected="every good order of the batch processed once")


# -- task 2 ------------------------------------------------------------------------------------

def _pipeline(s: Scenario, function_name: str, function_timeout_s: int = FUNCTION_TIMEOUT_S,
              suffix: str = "q") -> dict[str, Any]:
    """Run the learner's create_pipeline in the sandbox for a function whose timeout is
    `function_timeout_s`; -> its answer, with cleanups."""
    p = s.params
    event = {"name": f"{s.namespace}-{suffix}", "function_name": function_name,
             "function_timeout_s": function_timeout_s, "batching_window_s": p["window_s"],
             "batch_size": p["batch_size"], "max_receive_count": p["max_receive_count"]}
    sqs, lam = s.client("sqs"), s.client("lambda")
    # whatever it created under our name goes, even if it failed half-way
    s.on_cleanup(lambda: [sqs.delete_queue(QueueUrl=u) for u in sqs.list_queues(
        QueueNamePrefix=event["name"]).get("QueueUrls", [])])
    s.on_cleanup(lambda: [lam.delete_event_source_mapping(UUID=m["UUID"]) for m in
                          lam.list_event_source_mappings(FunctionName=function_name)
                          .get("EventSourceMappings", [])])
    fn = s.function({"LABKIT_HANDLER_NAME": "create_pipeline"}, timeout_s=PIPELINE_TIMEOUT_S)
    result = fn.invoke(event)
    s.evidence.setdefault("create_pipeline", []).append({"event": event, **result.as_evidence()})
    answer = result.payload if result.ok and isinstance(result.payload, dict) else {}
    s.expect(all(answer.get(k) for k in ("queue_url", "dlq_url", "mapping_uuid")),
             observed=f"create_pipeline answered {result.describe()}",
             expected='{"queue_url": ..., "dlq_url": ..., "mapping_uuid": ...}')
    return {**answer, "event": event}


def _configuration_problems(s: Scenario, pipeline: dict[str, Any]) -> list[str]:
    """What is wrong with the queue, its DLQ and the mapping (empty when all is right)."""
    sqs, lam = s.client("sqs"), s.client("lambda")
    event = pipeline["event"]
    attributes = sqs.get_queue_attributes(QueueUrl=pipeline["queue_url"],
                                          AttributeNames=["All"])["Attributes"]
    dlq_arn = queue_arn(sqs, pipeline["dlq_url"])
    mapping = lam.get_event_source_mapping(UUID=pipeline["mapping_uuid"])
    s.evidence.setdefault("configuration", []).append({
        "function_timeout_s": event["function_timeout_s"], "queue": attributes, "mapping": {
            k: mapping.get(k) for k in ("EventSourceArn", "FunctionArn", "BatchSize",
                                        "MaximumBatchingWindowInSeconds", "FunctionResponseTypes")}})
    problems = []
    needed = 6 * event["function_timeout_s"] + event["batching_window_s"]
    visibility = int(attributes.get("VisibilityTimeout", 30))
    if visibility < needed:
        problems.append(f"VisibilityTimeout {visibility} s < 6 x function timeout "
                        f"{event['function_timeout_s']} s + window {event['batching_window_s']} s "
                        f"= {needed} s")
    if visibility > needed + VISIBILITY_LATITUDE_S:
        problems.append(f"VisibilityTimeout {visibility} s: failed messages wait far longer "
                        f"than the {needed} s needed before their retry")
    redrive = json.loads(attributes.get("RedrivePolicy", "{}") or "{}")
    if redrive.get("deadLetterTargetArn") != dlq_arn:
        problems.append(f"RedrivePolicy {redrive or 'missing'}: no dead-letter target "
                        f"{pipeline['dlq_url'].rsplit('/', 1)[-1]}")
    if int(redrive.get("maxReceiveCount", 0)) != event["max_receive_count"]:
        problems.append(f"maxReceiveCount {redrive.get('maxReceiveCount')} instead of "
                        f"{event['max_receive_count']}")
    if mapping.get("EventSourceArn") != attributes.get("QueueArn"):
        problems.append(f"the mapping reads {mapping.get('EventSourceArn')}, not the queue")
    if not str(mapping.get("FunctionArn", "")).endswith(f":function:{event['function_name']}"):
        problems.append(f"the mapping invokes {mapping.get('FunctionArn')}")
    if "ReportBatchItemFailures" not in (mapping.get("FunctionResponseTypes") or []):
        problems.append("the mapping has no FunctionResponseTypes=['ReportBatchItemFailures']: "
                        "Lambda ignores the batchItemFailures your handler returns")
    if mapping.get("BatchSize") != event["batch_size"]:
        problems.append(f"BatchSize {mapping.get('BatchSize')} instead of {event['batch_size']}")
    if int(mapping.get("MaximumBatchingWindowInSeconds") or 0) != event["batching_window_s"]:
        problems.append(f"MaximumBatchingWindowInSeconds "
                        f"{mapping.get('MaximumBatchingWindowInSeconds')} instead of "
                        f"{event['batching_window_s']}")
    return problems


def _pipeline_params(r: random.Random) -> dict[str, Any]:
    return {"batch_size": r.randint(4, 10), "window_s": r.randint(0, 1),
            "max_receive_count": r.randint(2, 3)}


PUBLIC_PIPELINE = {"batch_size": 10, "window_s": 1, "max_receive_count": 2}
# AWS ("Using Lambda with Amazon SQS", Lambda Developer Guide): the queue's visibility timeout
# must be at least six times the function's timeout, so it is derived, never a constant. Each
# configuration scenario builds pipelines for two functions whose timeouts differ by >= 2 s:
# their acceptable visibility timeouts (6 x timeout + window, up to 10 s more) cannot overlap,
# so no constant passes a scenario, public or hidden.
VISIBILITY_LATITUDE_S = 10
PUBLIC_FUNCTION_TIMEOUTS_S = [3, 7]


def _function_timeouts(r: random.Random) -> list[int]:
    first = r.randint(2, 6)
    timeouts = [first, r.randint(first + 2, 10)]
    r.shuffle(timeouts)
    return timeouts


def _configuration_params(r: random.Random) -> dict[str, Any]:
    return {**_pipeline_params(r), "function_timeouts_s": _function_timeouts(r)}


@LAB.check("task-2", "configuration", "queue, DLQ and mapping configured as asked", points=3,
           hint="Create the DLQ first (you need its ARN), then the queue with Attributes "
                "VisibilityTimeout = 6 * function_timeout_s + batching_window_s and RedrivePolicy "
                '= json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": n}), then '
                "create_event_source_mapping with BatchSize, MaximumBatchingWindowInSeconds and "
                'FunctionResponseTypes=["ReportBatchItemFailures"].',
           public={**PUBLIC_PIPELINE, "function_timeouts_s": PUBLIC_FUNCTION_TIMEOUTS_S},
           hidden=_configuration_params)
def configuration(s: Scenario) -> None:
    problems = []
    for timeout in s.params["function_timeouts_s"]:
        # the stand-in really has this timeout, so reading it from the function gives the same
        function = _deploy(s, f"fn{timeout}s", None, timeout_s=timeout)
        pipeline = _pipeline(s, function, function_timeout_s=timeout, suffix=f"fn{timeout}s")
        found = _configuration_problems(s, pipeline)
        if found:
            problems.append(f"for a function with a {timeout} s timeout: {'; '.join(found)}")
    s.expect(not problems, observed=". ".join(problems), expected="the configuration asked for")


# -- task 3 ------------------------------------------------------------------------------------

def _queue_depth(sqs, url: str) -> int:
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(v) for v in counts.values())


def _send(sqs, url: str, bodies: list[dict[str, Any]]) -> None:
    for start in range(0, len(bodies), 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies[start:start + 10])])


def _dead_lettered(sqs, dlq_url: str) -> list[str]:
    ids = []
    while True:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  VisibilityTimeout=60).get("Messages", [])
        if not got:
            return sorted(ids)
        ids += [json.loads(m["Body"]).get("id", "?") for m in got]


def _failed_invocations(s: Scenario, function: str) -> str:
    """Why whole batches came back, from the function's own log (errors, timeouts)."""
    from labkit.lessons.logs import read_log_messages

    lines = [e["message"].strip() for e in read_log_messages(s.client("logs"), function)]
    timeouts = sum("Task timed out" in line for line in lines)
    errors = [line for line in lines if line.startswith("[ERROR]") or '"errorType"' in line]
    s.evidence["function_errors"] = errors[:5]
    s.evidence["function_timeouts"] = timeouts
    parts = ([f"{timeouts} invocation(s) timed out"] if timeouts else []) + \
        ([f"{len(errors)} invocation(s) raised, e.g. {errors[0][:200]}"] if errors else [])
    return f"; {', '.join(parts)}" if parts else ""


def _mixed_params(r: random.Random) -> dict[str, Any]:
    waves = []
    for _ in range(2):
        size = r.randint(8, 16)
        waves.append({"size": size, "bad": _bad_positions(r, size)})
    return {**_pipeline_params(r), "waves": waves}


@LAB.check("task-3", "mixed-batches", "good orders processed exactly once, bad ones retried "
           "then dead-lettered", points=4,
           hint="Good orders processed twice: the batch failed as a whole (a raised error, an "
                "itemIdentifier that is not a messageId of *this* batch, or failures left in a "
                "global from an earlier batch). Bad orders not dead-lettered: check the "
                "RedrivePolicy and that the handler reports them.",
           public={**PUBLIC_PIPELINE, "waves": [{"size": 12, "bad": [3, 10]},
                                                {"size": 10, "bad": [0]}]},
           hidden=_mixed_params, hidden_count=1)   # one per seed: each takes ~40 s
def mixed_batches(s: Scenario) -> None:
    orders = _Orders(s)
    function = _deploy(s, "fn", Path(s.target.handler_path).read_text(),
                       orders.table)
    pipeline = _pipeline(s, function)
    problems = [p for p in _configuration_problems(s, pipeline) if "Redrive" in p or "Visibility" in p]
    if problems:  # without a DLQ a bad order would cycle forever: say so now, not in minutes
        raise Mismatch("; ".join(problems), "a pipeline a bad order can leave (task 2)")
    sqs, lam = s.client("sqs"), s.client("lambda")
    wait_until(lambda: lam.get_event_source_mapping(UUID=pipeline["mapping_uuid"])["State"]
               == "Enabled", timeout=60, interval=0.3, what="the mapping to be Enabled")
    p = s.params
    good, bad = [], []
    for number, wave in enumerate(p["waves"]):   # traffic keeps coming: a second wave later
        ids = _order_ids(f"w{number}", wave["size"])
        bad += [ids[i] for i in wave["bad"]]
        good += [order_id for i, order_id in enumerate(ids) if i not in wave["bad"]]
        _send(sqs, pipeline["queue_url"], [{"id": order_id, "bad": i in wave["bad"]}
                                           for i, order_id in enumerate(ids)])
        if not s.settle(lambda: all(orders.counts().get(o, {}).get("processed") for o in good),
                        timeout=30, interval=0.3, what=f"the good orders of wave {number + 1}"):
            break  # the expectations below say which orders were not processed
    visibility = 6 * FUNCTION_TIMEOUT_S + p["window_s"]
    deadline = (p["max_receive_count"] + 1) * visibility + SETTLE_SLACK_S

    def settled() -> bool:
        counts = orders.counts()
        twice = [o for o in good if counts.get(o, {}).get("processed", 0) > 1]
        s.expect(not twice, observed=f"{len(twice)} good order(s) processed more than once "
                 f"({twice[:3]}){_failed_invocations(s, function)}",
                 expected="every good order processed exactly once")
        over = [o for o in bad if counts.get(o, {}).get("attempts", 0) > p["max_receive_count"]]
        s.expect(not over, observed=f"bad order(s) {over[:3]} attempted more than "
                 f"maxReceiveCount={p['max_receive_count']} times",
                 expected="retries to stop at maxReceiveCount (then the DLQ)")
        return _queue_depth(sqs, pipeline["queue_url"]) == 0 and \
            _queue_depth(sqs, pipeline["dlq_url"]) >= len(bad)

    s.settle(settled, timeout=deadline, what="the queue to settle")
    counts = orders.counts()
    dead = _dead_lettered(sqs, pipeline["dlq_url"])
    s.evidence.update(orders=counts, dead_lettered=dead, good=good, bad=bad)
    once = [o for o in good if counts.get(o, {}).get("processed", 0) == 1]
    s.expect(len(once) == len(good), observed=f"{len(good) - len(once)} of {len(good)} good "
             "orders not processed exactly once", expected="every good order processed once")
    s.expect(sorted(bad) == dead, observed=f"dead-letter queue holds {dead}",
             expected=f"exactly the bad orders {sorted(bad)}")
    tries = {o: counts.get(o, {}).get("attempts", 0) for o in bad}
    s.expect(all(n == p["max_receive_count"] for n in tries.values()),
             observed=f"bad orders attempted {tries}",
             expected=f"{p['max_receive_count']} attempts each (maxReceiveCount), then the DLQ")
