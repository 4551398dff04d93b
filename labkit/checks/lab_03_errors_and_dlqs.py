"""Checks for lab 03 (errors and dead-letter queues): classify, park, alarm, redrive.

The learner writes ``lab03_orders.py`` (the ``%%writefile`` cell of labs/03_errors_and_dlqs.ipynb).
Given code in it processes one order: ``process(order, attempt)`` parses the amount (the EU shop's
``"12,50"`` raises ValueError until the fix behind $BUG_FIXED=1 is deployed), calls the payment
API (an order with ``"flaky": k`` times out, PaymentTimeout, on its first k attempts) and records
the payment in the DynamoDB table $PAYMENTS_TABLE. The learner writes four functions:

  * ``handler(event, context)`` - an SQS batch handler (ReportBatchItemFailures): a permanent
    error (bad data) is parked at once in the DLQ $DLQ_URL with message attributes
    ``error_type`` and ``error_message``, and the message counts as handled; any other error is
    reported in ``batchItemFailures`` so SQS retries it;
  * ``configure_queue(event, context)`` - event ``{queue_url, dlq_arn, retries,
    visibility_timeout_s}``: the redrive policy that retries a failing message ``retries``
    times after its first attempt, then dead-letters it;
  * ``create_alarm(event, context)`` - event ``{alarm_name, dlq_name, topic_arn, period_s}``:
    an alarm that notifies the topic as soon as the DLQ holds a message;
  * ``redrive(event, context)`` - event ``{function_name, dlq_arn, source_arn}``: deploy the fix
    ($BUG_FIXED=1, keeping the other variables), then move the DLQ's messages back.

The handler runs as a real Lambda function behind a real SQS event source mapping on the backend
(with a thin harness that records every delivery); the three others run in the check sandbox.
That deployment, and the orders sent through it, live in lab_03_pipeline.py.

What the checks protect is listed, task by task, in requirements.py. The AWS behaviour they
rely on: "If the source queue receives a message more times than the maxReceiveCount, Amazon SQS
moves it to the dead-letter queue" (Amazon SQS Developer Guide, "Using dead-letter queues");
ReportBatchItemFailures retries only the failed records (AWS Lambda Developer Guide, "Handling
errors for an SQS event source"); StartMessageMoveTask moves a DLQ's messages to a destination
queue (Amazon SQS API Reference).
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.alarm_watch import NotWithinPublishes, alarm_notes, alarmed, depth_publishes, wait_for_alarm
from labkit.checks.lab_03_pipeline import (
    ORDERS_FILE, PERMANENT_KINDS, VISIBILITY_S, Pipeline, call_learner, dead_letter,
    eu_order, flaky_order, mixed, name_of, ok_order, permanent_order,
)
from labkit.lessons.polling import wait_until

LAB = Lab(
    "03", "Errors and DLQs: retry, park, alarm, redrive", handler_file=ORDERS_FILE,
    notebook="03_errors_and_dlqs.ipynb",
    tasks={
        "task-1": "Classify errors: retry the transient, park the permanent",
        "task-2": "The redrive policy: a backstop for messages that never succeed",
        "task-3": "An alarm on the DLQ",
        "task-4": "Fix, then redrive",
    },
    lesson_sections={
        "task-1": "1 · Transient vs permanent failures under a redrive policy",
        "task-2": "1 · Transient vs permanent failures under a redrive policy",
        "task-3": "4 · An alarm on DLQ depth, notifying through SNS",
        "task-4": "5 · Fix the bug, then redrive",
    },
)
CHECK_MAX_RECEIVES = 3    # the redrive policy task-1 and task-4 checks set up themselves
ALARM_PERIOD_S = 10       # the emulator publishes SQS metrics every 10 s (AWS: 60 s)
QUIET_PUBLISHES = 2       # the empty DLQ's metrics published this often before anything is parked


def _expect_each_accounted_once(s: Scenario, p: Pipeline, payments: Counter,
                                parked: list[dict[str, Any]]) -> None:
    """processed + parked = sent: every order charged once or parked once, never both."""
    parked_bodies = Counter(m["body"] for m in parked)
    twice = [name_of(i) for b, i in p.sent.items() if "order" in i and payments[i["order"]["id"]] > 1]
    s.expect(not twice, observed=f"charged more than once: {', '.join(twice)} "
             f"({dict(payments)})", expected="every order charged at most once")
    lost = [name_of(i) for b, i in p.sent.items()
            if not parked_bodies[b] and not ("order" in i and payments[i["order"]["id"]])]
    s.expect(not lost, observed=f"lost (neither processed nor parked): {', '.join(lost)}",
             expected="processed + parked = sent")
    both = [name_of(i) for b, i in p.sent.items()
            if parked_bodies[b] and "order" in i and payments[i["order"]["id"]]]
    s.expect(not both, observed=f"processed and also parked: {', '.join(both)}",
             expected="a processed order is not in the DLQ")
    again = [name_of(p.sent[b]) if b in p.sent else b[:60] for b, n in parked_bodies.items() if n > 1]
    s.expect(not again, observed=f"parked more than once: {', '.join(again)}",
             expected="each parked order in the DLQ once")
    strangers = [b[:60] for b in parked_bodies if b not in p.sent]
    s.expect(not strangers, observed=f"{len(strangers)} DLQ message(s) whose body is not a sent "
             f"message, e.g. {strangers[:1]}", expected="the original message body, unchanged")


# -- task 1 ------------------------------------------------------------------------------------

def _transient_mix(r: random.Random) -> dict[str, Any]:
    max_receives = r.choice([3, 4])
    flaky = [r.randint(1, max_receives - 1) for _ in range(r.randint(2, 3))]
    return {"max_receives": max_receives, "flaky": flaky, "ok": r.randint(2, 3),
            "order_seed": r.randrange(10**6)}


@LAB.check("task-1", "transient-retried", "transient failures succeed within their retries",
           points=3,
           hint="Report a transient failure (PaymentTimeout) in batchItemFailures so SQS retries "
                "that message only; never raise for the whole batch (the good orders in it would be "
                "charged again) and never park a transient error.",
           public={"max_receives": 3, "flaky": [1, 2], "ok": 2, "order_seed": None},
           hidden=_transient_mix)
def transient_retried(s: Scenario) -> None:
    p = Pipeline(s)
    params = s.params
    p.set_redrive_policy(params["max_receives"])
    p.connect()
    items = [ok_order(i) for i in range(1, params["ok"] + 1)]
    items += [flaky_order(i, k) for i, k in enumerate(params["flaky"], 1)]
    p.send(mixed(items, params["order_seed"]))
    p.settle(params["max_receives"])
    payments, attempts, parked = p.payments(), p.attempts(), p.parked()
    for body, item in p.sent.items():
        order_id = item["order"]["id"]
        want = item.get("failures", 0) + 1
        s.expect(payments[order_id] == 1,
                 observed=f"{order_id} charged {payments[order_id]} time(s) after {attempts[body]} "
                          f"deliveries" + (f"; the DLQ holds {len(parked)} message(s)" if parked else ""),
                 expected="every order charged exactly once")
        s.expect(attempts[body] == want,
                 observed=f"{order_id} was delivered {attempts[body]} time(s)",
                 expected=f"{want} (it fails {want - 1} time(s) and then succeeds)")
    s.expect(not parked, observed=f"{len(parked)} message(s) in the DLQ",
             expected="nothing parked: every failure here is transient")


def _permanent_mix(r: random.Random) -> dict[str, Any]:
    kinds = r.sample(["eu", "eu", "malformed", "no-amount"], r.randint(2, 3))
    return {"permanent": kinds, "ok": r.randint(1, 3), "order_seed": r.randrange(10**6)}


@LAB.check("task-1", "permanent-parked", "permanent failures are parked at once, with their context",
           points=3,
           hint="A ValueError/KeyError from bad data (json.JSONDecodeError is a ValueError) can "
                "never succeed: send the original body to DLQ_URL with MessageAttributes error_type "
                "and error_message, and do not report it as failed (SQS then deletes it).",
           public={"permanent": ["eu", "eu"], "ok": 2, "order_seed": None},
           hidden=_permanent_mix)
def permanent_parked(s: Scenario) -> None:
    p = Pipeline(s)
    p.set_redrive_policy(CHECK_MAX_RECEIVES)
    p.connect()
    items = [ok_order(i) for i in range(1, s.params["ok"] + 1)]
    items += [permanent_order(kind, i) for i, kind in enumerate(s.params["permanent"], 1)]
    p.send(mixed(items, s.params["order_seed"]))
    p.settle(CHECK_MAX_RECEIVES)
    attempts, parked, payments = p.attempts(), p.parked(), p.payments()
    parked_by_body = {m["body"]: m for m in parked}
    for body, item in p.sent.items():
        name = name_of(item)
        if item["kind"] not in PERMANENT_KINDS:
            s.expect(payments[name] == 1, observed=f"{name} charged {payments[name]} time(s)",
                     expected="good orders charged exactly once")
            continue
        s.expect(body in parked_by_body,
                 observed=f"{name} ({item['kind']}) is not in the DLQ with its original body "
                          f"after {attempts[body]} deliveries",
                 expected="every permanently failing message parked, body unchanged")
        s.expect(attempts[body] == 1, observed=f"{name} ({item['kind']}) was delivered "
                 f"{attempts[body]} times", expected="1: a permanent error is not retried")
        context = parked_by_body[body]["attributes"]
        missing = [k for k in ("error_type", "error_message") if not context.get(k)]
        s.expect(not missing, observed=f"{name} parked with attributes {context}",
                 expected="MessageAttributes error_type and error_message (what went wrong)")
    _expect_each_accounted_once(s, p, payments, parked)


# -- task 2 ------------------------------------------------------------------------------------

def _configure(s: Scenario, p: Pipeline, retries: int) -> int:
    """Run the learner's configure_queue; return the maxReceiveCount it set."""
    call_learner(s, "configure_queue", {"queue_url": p.queue_url, "dlq_arn": p.dlq_arn,
                                        "retries": retries, "visibility_timeout_s": VISIBILITY_S})
    attributes = p.sqs.get_queue_attributes(QueueUrl=p.queue_url, AttributeNames=["All"])["Attributes"]
    s.evidence["queue_attributes"] = {k: attributes.get(k) for k in ("RedrivePolicy", "VisibilityTimeout")}
    s.expect(attributes.get("VisibilityTimeout") == str(VISIBILITY_S),
             observed=f"VisibilityTimeout {attributes.get('VisibilityTimeout')}",
             expected=f"{VISIBILITY_S} (event['visibility_timeout_s'])")
    try:
        policy = json.loads(attributes.get("RedrivePolicy") or "null")
        return int(policy["maxReceiveCount"])
    except (TypeError, KeyError, ValueError):
        raise Mismatch(f"RedrivePolicy {attributes.get('RedrivePolicy')!r}",
                       "a RedrivePolicy with deadLetterTargetArn and maxReceiveCount") from None


@LAB.check("task-2", "poison-max-receives",
           "a message that never succeeds reaches the DLQ after exactly maxReceiveCount attempts",
           points=3,
           hint="maxReceiveCount counts receives, and the first attempt is a receive: retrying "
                "`retries` times means maxReceiveCount = retries + 1. Set it in RedrivePolicy "
                "(JSON: deadLetterTargetArn, maxReceiveCount) with set_queue_attributes.",
           public={"retries": 2, "poison": 2},
           hidden=lambda r: {"retries": r.randint(1, 3), "poison": r.randint(1, 2)})
def poison_max_receives(s: Scenario) -> None:
    p = Pipeline(s)
    retries = s.params["retries"]
    configured = _configure(s, p, retries)
    p.connect()
    # a payment API that never answers this order: transient-looking, never succeeds
    items = [ok_order(1)] + [flaky_order(i, 99) for i in range(1, s.params["poison"] + 1)]
    p.send(items)
    p.settle(retries + 1)
    attempts, parked = p.attempts(), p.parked()
    in_dlq = Counter(m["body"] for m in parked)
    for body, item in p.sent.items():
        if item["kind"] != "flaky":
            continue
        name = name_of(item)
        s.expect(in_dlq[body] == 1, observed=f"{name} is in the DLQ {in_dlq[body]} time(s)",
                 expected="the poison message in the DLQ once, body unchanged")
        s.expect(attempts[body] == retries + 1,
                 observed=f"{name} was attempted {attempts[body]} time(s) (maxReceiveCount "
                          f"{configured})",
                 expected=f"{retries + 1}: the first attempt plus {retries} retries")
    _expect_each_accounted_once(s, p, p.payments(), parked)


def _any_mix(r: random.Random) -> dict[str, Any]:
    retries = r.randint(1, 3)
    return {"retries": retries, "ok": r.randint(1, 3),
            "flaky": [r.randint(1, retries) for _ in range(r.randint(1, 2))],
            "poison": r.randint(0, 1),
            "permanent": r.sample(["eu", "malformed", "no-amount"], r.randint(1, 2)),
            "order_seed": r.randrange(10**6)}


@LAB.check("task-2", "nothing-lost", "nothing is lost: processed + parked = sent",
           points=3,
           hint="Every message must end one way: processed (charged once) or in the DLQ (once). "
                "An error you catch must be either parked or reported in batchItemFailures: "
                "catching it and returning success deletes the message and loses the order.",
           public={"retries": 2, "ok": 2, "flaky": [1, 2], "poison": 1, "permanent": ["eu"],
                   "order_seed": 3},
           hidden=_any_mix)
def nothing_lost(s: Scenario) -> None:
    p = Pipeline(s)
    params = s.params
    _configure(s, p, params["retries"])
    p.connect()
    items = [ok_order(i) for i in range(1, params["ok"] + 1)]
    items += [flaky_order(i, k) for i, k in enumerate(params["flaky"], 1)]
    items += [flaky_order(100 + i, 99) for i in range(params["poison"])]
    items += [permanent_order(kind, i) for i, kind in enumerate(params["permanent"], 1)]
    p.send(mixed(items, params["order_seed"]))
    p.settle(params["retries"] + 1)
    _expect_each_accounted_once(s, p, p.payments(), p.parked())


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "alarm-fires", "the DLQ alarm notifies the topic when a message is parked",
           points=3,
           hint="put_metric_alarm on AWS/SQS ApproximateNumberOfMessagesVisible, dimension "
                "QueueName = the DLQ's name, Statistic Maximum, Period = event['period_s'], "
                "Threshold 0 with GreaterThanThreshold (one message is enough, an empty DLQ is "
                "not), AlarmActions = [topic_arn].",
           public={"parked": [1]},
           hidden=lambda r: {"parked": [r.randrange(10**6) for _ in range(r.randint(1, 3))]})
def alarm_fires(s: Scenario) -> None:
    sqs, cloudwatch = s.client("sqs"), s.client("cloudwatch")
    dlq_name, dlq = s.create.name("dlq"), s.create.queue("dlq")
    topic = s.create.topic("oncall")
    inbox = s.create.inbox("inbox", topic)
    # the learner's create_alarm makes the alarm, under this name: deleting it is ours
    alarm_name = s.create.name("dlq-not-empty")
    s.on_cleanup(lambda: cloudwatch.delete_alarms(AlarmNames=[alarm_name]))
    # datapoints from the next whole second on were published after the alarm existed
    created = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    started = time.monotonic()
    call_learner(s, "create_alarm", {"alarm_name": alarm_name, "dlq_name": dlq_name,
                                     "topic_arn": topic, "period_s": ALARM_PERIOD_S})
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    s.expect(len(alarms) == 1, observed=f"no alarm named {alarm_name}",
             expected="create_alarm to create the alarm named event['alarm_name']")
    s.evidence["alarm"] = {k: alarms[0].get(k) for k in (
        "Namespace", "MetricName", "Dimensions", "Statistic", "Period", "Threshold",
        "ComparisonOperator", "AlarmActions", "TreatMissingData")}

    def state() -> dict[str, Any]:
        return cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]

    # Quiet first. CloudWatch ("Using Amazon CloudWatch alarms", CloudWatch User Guide): OK =
    # the metric is within the threshold, ALARM = outside it, INSUFFICIENT_DATA = just started
    # or not enough data. An alarm in ALARM while the DLQ is empty pages on call every period,
    # so it must be OK, silent, after the empty DLQ's depth was published (and evaluated) twice.
    quiet_notes: list[dict[str, Any]] = []

    def quiet() -> bool:
        alarm_notes(sqs, inbox, quiet_notes)
        alarm = state()
        rang = alarmed(quiet_notes, alarm_name)
        if alarm["StateValue"] == "ALARM" or rang:
            s.evidence["notifications_while_empty"] = quiet_notes
            raise Mismatch(f"the alarm went to ALARM{' and notified the topic' if rang else ''} "
                           f"while the DLQ was empty ({alarm.get('StateReason', '')[:240]})",
                           "the alarm OK and silent while the DLQ is empty (an alarm that is "
                           "always in ALARM pages on call every period), ALARM once a message "
                           "is parked")
        return alarm["StateValue"] == "OK" and \
            depth_publishes(cloudwatch, dlq_name, created) >= QUIET_PUBLISHES

    try:
        wait_for_alarm(quiet, cloudwatch, dlq_name, created, "the alarm to be OK")
    except NotWithinPublishes:
        alarm = state()
        raise Mismatch(f"the alarm was still {alarm['StateValue']} {round(time.monotonic() - started)}"
                       f" s after it was created, the DLQ empty and its depth published "
                       f"{depth_publishes(cloudwatch, dlq_name, created)} time(s) "
                       f"({alarm.get('StateReason', '')[:160]})",
                       "the alarm OK while the DLQ is empty: evaluating the DLQ's depth, below "
                       "its threshold") from None
    s.evidence["quiet_after_s"] = round(time.monotonic() - started, 1)

    # what the redrive policy does with a message that never succeeds (task 2's backstop): an
    # alarm on the DLQ's depth sees it, one on NumberOfMessagesSent does not
    dead_letter(s, dlq, [json.dumps({"id": f"eu-{i}", "amount": "12,50"}) for i in s.params["parked"]])
    notes: list[dict[str, Any]] = []

    def notified() -> bool:
        alarm_notes(sqs, inbox, notes)
        return alarmed(notes, alarm_name)

    started = time.monotonic()
    parked_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    try:
        wait_for_alarm(notified, cloudwatch, dlq_name, parked_at, "the ALARM notification")
    except NotWithinPublishes:
        alarm = state()
        s.evidence["notifications"] = notes
        raise Mismatch(f"no ALARM notification on the topic {round(time.monotonic() - started)} s "
                       f"after {len(s.params['parked'])} message(s) landed in the DLQ (its depth "
                       f"published {depth_publishes(cloudwatch, dlq_name, parked_at)} times since); "
                       f"the alarm is {alarm['StateValue']} ({alarm.get('StateReason', '')[:160]})",
                       "the alarm in ALARM, notifying the topic, within a few periods") from None
    s.evidence["notified_after_s"] = round(time.monotonic() - started, 1)


# -- task 4 ------------------------------------------------------------------------------------

def _redrive_mix(r: random.Random) -> dict[str, Any]:
    return {"ok": r.randint(1, 3), "eu": r.randint(1, 3),
            "flaky": [r.randint(1, CHECK_MAX_RECEIVES - 1) for _ in range(r.randint(0, 1))],
            "order_seed": r.randrange(10**6)}


@LAB.check("task-4", "redrive-reprocesses", "after the fix, the redrive reprocesses every parked order",
           points=3,
           hint="First deploy the fix: update_function_configuration with every existing variable "
                "plus BUG_FIXED=1 (Environment replaces them all), and wait for the update "
                "(waiter function_updated_v2). Then start_message_move_task(SourceArn=dlq_arn, "
                "DestinationArn=source_arn).",
           public={"ok": 2, "eu": 2, "flaky": [], "order_seed": None},
           hidden=_redrive_mix)
def redrive_reprocesses(s: Scenario) -> None:
    p = Pipeline(s)
    p.set_redrive_policy(CHECK_MAX_RECEIVES)
    p.connect()
    items = [ok_order(i) for i in range(1, s.params["ok"] + 1)]
    items += [flaky_order(i, k) for i, k in enumerate(s.params["flaky"], 1)]
    items += [eu_order(i) for i in range(1, s.params["eu"] + 1)]
    p.send(mixed(items, s.params["order_seed"]))
    p.settle(CHECK_MAX_RECEIVES)
    eu = [b for b, i in p.sent.items() if i["kind"] == "eu"]
    s.expect(p.depth(p.dlq_url) == len(eu),
             observed=f"{p.depth(p.dlq_url)} message(s) in the DLQ before the redrive",
             expected=f"the {len(eu)} EU orders (the bug) parked")
    call_learner(s, "redrive", {"function_name": p.function, "dlq_arn": p.dlq_arn,
                                "source_arn": p.queue_arn}, timeout_s=60)

    def move_finished() -> bool:
        tasks = p.sqs.list_message_move_tasks(SourceArn=p.dlq_arn, MaxResults=1)["Results"]
        s.evidence["move_task"] = tasks[0] if tasks else None
        return not tasks or tasks[0]["Status"] != "RUNNING"

    wait_until(move_finished, timeout=60, interval=0.5, what="the move task")
    p.settle(CHECK_MAX_RECEIVES)
    payments, parked = p.payments(), p.parked()
    still = [name_of(p.sent[m["body"]]) if m["body"] in p.sent else m["body"][:60] for m in parked]
    s.expect(not still, observed=f"still in the DLQ after the redrive: {', '.join(still)}"
             + (f" (move task: {s.evidence['move_task']['Status']})" if s.evidence.get("move_task")
                else " (no move task was started)"),
             expected="an empty DLQ: every parked order moved back and processed")
    unpaid = [name_of(p.sent[b]) for b in eu if payments[p.sent[b]["order"]["id"]] != 1]
    s.expect(not unpaid, observed=f"EU orders not charged exactly once: {', '.join(unpaid)} "
             f"({dict(payments)})", expected="every redriven order processed once, after the fix")
    _expect_each_accounted_once(s, p, payments, parked)
