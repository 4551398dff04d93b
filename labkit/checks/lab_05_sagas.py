"""Checks for lab 05 (sagas): the trip-booking saga on Step Functions, with compensations.

The learner writes three files (``%%writefile`` cells of labs/05_sagas.ipynb):
  * ``lab05_services.py`` - the four services' actions, called as ``ACTION(table, saga_id,
    event)`` with ``table`` a boto3 DynamoDB Table keyed by ``saga_id``: the forward actions
    (given) and the compensations ``cancel`` and ``refund`` (the learner's);
  * ``lab05_saga.asl.yaml`` - the state machine (Amazon States Language as YAML) with the
    placeholders ``${flight}``, ``${hotel}``, ``${payment}``, ``${booking}`` (function ARNs)
    and ``${stuck_queue_url}``;
  * ``lab05_alarm.yaml`` - PutMetricAlarm parameters for the stuck-saga alarm, with the
    placeholders ``${stuck_queue_name}`` and ``${topic_arn}``.
Nothing the learner wrote is imported here: the YAML files are parsed as data and the services
run inside Lambda functions on the backend, behind our fault-injecting harness: lab_05_trip.py
deploys the saga (HARNESS there) and runs it.

What the checks protect (issue 8; AWS Step Functions Developer Guide, "Handling errors in Step
Functions workflows": Catch/Retry on error names, States.Timeout):
  * for every failure point, the tables end consistent - nothing reserved without a booking,
    no charge without a refund - and the compensations ran in reverse order;
  * each compensation's effect happens at most once, even when it is retried after its answer
    was lost or while its first call still runs (stalled between its read and its write past
    its TimeoutSeconds), and a late forward call (a timed-out step still running) is refused; a case
    counts only once its fault took effect (the lost answer was retried, the late call landed
    after its compensation): a saga where it did not is run again, and never counts as a pass;
  * transient compensation failures are retried until they succeed;
  * a compensation that fails for good ends parked in the stuck-saga queue with the saga id,
    the saga ends in SagaStuck (not in the BookingFailed of a saga fully undone), and the
    alarm on that queue, OK while no saga is stuck, fires and notifies its topic: not lost.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import yaml

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.alarm_watch import (
    NotWithinPublishes, alarm_notes, alarmed, depth_publishes, wait_for_alarm,
)
from labkit.checks.lab_05_trip import (
    ALARM_FILE, COMPENSATIONS, DEFINITION_FILE, FORWARD, LAND_WAIT_S, PAUSE_S, SERVICES_FILE,
    SLOW_S, STEPS, Trip, substitute,
)
from labkit.lessons.polling import wait_until
from labkit.lessons.saga_lesson import saga_problems, states_entered

LAB = Lab(
    "05", "Sagas: compensations that survive failure", handler_file=SERVICES_FILE,
    notebook="05_sagas.ipynb", extra_files=(DEFINITION_FILE, ALARM_FILE),
    tasks={
        "task-1": "Compensate every failure point, in reverse order",
        "task-2": "Compensations whose effect happens once",
        "task-3": "Retry a compensation that fails for a while",
        "task-4": "Park and alarm a compensation that fails for good",
    },
    lesson_sections={
        "task-1": "1 · Every failure point, as an error or as a timeout",
        "task-2": "4 · A retried refund must not refund twice",
        "task-3": "2 · A compensation that fails for a while: Retry with backoff",
        "task-4": "3 · A compensation that fails for good: parked and alarmed, not lost",
    },
)
FAULT_RUNS = 3              # sagas run for one case until the injected fault takes effect
QUIET_PUBLISHES = 2         # the empty stuck queue's metrics published this often before a saga


def faults_for(step: str | None, how: str = "error") -> dict[str, dict]:
    if step is None:
        return {}
    _, service, action, _, _ = STEPS[FORWARD.index(step)]
    return {f"{service}.{action}": {"reject": True} if how == "error" else {"slow_s": SLOW_S}}


def expected_compensations(step: str | None) -> list[str]:
    return [] if step is None else COMPENSATIONS[: FORWARD.index(step) + 1][::-1]


def _expect_consistent(s: Scenario, run: dict, what: str) -> None:
    problems = saga_problems(run["items"], booked=run["status"] == "SUCCEEDED")
    s.expect(not problems, observed=f"{what}: {'; '.join(problems)} (saga {run['saga_id']}, "
             f"execution {run['status']} {run['error'] or ''})".strip(),
             expected="nothing reserved without a booking, no charge without exactly one refund")


def _expect_failed_and_reversed(s: Scenario, run: dict, step: str, what: str) -> None:
    s.expect(run["status"] == "FAILED", observed=f"{what}: the execution ended {run['status']}",
             expected="a saga that could not book ends FAILED (a Fail state after compensating)")
    want = expected_compensations(step)
    s.expect(run["compensations"] == want,
             observed=f"{what}: compensations ran as {' -> '.join(run['compensations']) or 'nothing'}",
             expected=f"{' -> '.join(want)} (the failed step's own, then every earlier one, last first)")


def _compensation_key(index: int) -> str:
    """"hotel.cancel" for the compensation of the index-th step (its service and action)."""
    return f"{STEPS[index][1]}.{STEPS[index][4]}"


def _other_step(r: random.Random, after: int = 0) -> str:
    return FORWARD[r.randrange(after, len(FORWARD))]


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "every-failure-point", "every failure point is compensated in reverse order",
           points=3,
           hint="Give each forward Task a Catch (States.ALL, ResultPath $.error) to its own "
                "compensation, and chain the compensations backwards (CancelBooking -> RefundCard "
                "-> CancelHotel -> CancelFlight) to a Fail state. A booked trip must still succeed.",
           public={"cases": [[None, "-"], *[[step, "error"] for step in FORWARD]]},
           hidden=lambda r: {"cases": [[_other_step(r), r.choice(["error", "timeout"])]
                                       for _ in range(2)]})
def every_failure_point(s: Scenario) -> None:
    trip = Trip(s)
    for step, how in s.params["cases"]:
        what = f"fails at {step} ({how})" if step else "no failure"
        run = trip.run(faults_for(step, how))
        if step is None:
            s.expect(run["status"] == "SUCCEEDED", observed=f"{what}: the execution ended "
                     f"{run['status']} {run['error'] or ''}", expected="a booked trip (SUCCEEDED)")
        else:
            _expect_failed_and_reversed(s, run, step, what)
        _expect_consistent(s, run, what)


# -- task 2 ------------------------------------------------------------------------------------

def _forward_key(step: str) -> str:
    """"hotel.reserve" for ReserveHotel (its service and forward action)."""
    _, service, action, _, _ = STEPS[FORWARD.index(step)]
    return f"{service}.{action}"


def _fault_missed(trip: Trip, run: dict, step: str, compensation: str, how: str) -> str | None:
    """None when the injected fault took effect in this saga, else what happened instead."""
    saga = run["saga_id"]
    if run["unplanned_timeouts"]:   # a step retried after its timeout may have redone (or undone)
        return (f"{', '.join(run['unplanned_timeouts'])} timed out with no fault injected (the "
                f"machine was slow): a retried call may have undone what the fault did")
    if how == "paused":
        stalled, first_done = (trip.record(f"{saga}/{compensation}/paused"),
                               trip.record(f"{saga}/{compensation}/done"))
        if not stalled.get("resumed_at"):
            return f"{compensation}'s first call wrote nothing, so it never stalled before a write"
        if not first_done or first_done["done_at"] >= stalled["resumed_at"]:
            return (f"no retry of {compensation} finished while its first call stalled (a "
                    f"retry after States.Timeout, task 3)")
        return None
    if how == "lost":
        if not trip.record(f"{saga}/{compensation}/lost"):
            return f"{compensation} never did its work on its first attempt, so no answer was lost"
        if trip.record(f"{saga}/{compensation}").get("n", 0) < 2:
            return f"{compensation} was attempted once: its lost answer was never retried"
        return None
    forward = _forward_key(step)
    late, undo = trip.record(f"{saga}/{forward}/done"), trip.record(f"{saga}/{compensation}/done")
    if not undo:
        return f"{compensation} never completed"
    if not late:
        return f"the late {forward} call never reached its table"
    if late["began"] <= undo["done_at"]:
        return f"the late {forward} call reached its table before {compensation} was done"
    return None


@LAB.check("task-2", "effect-at-most-once", "a retried compensation takes effect once",
           points=3,
           hint="A compensation can run again after its answer was lost. Key its effect on the "
                "saga id with a conditional write: refund only CHARGED -> REFUNDED, and leave a "
                "record (CANCELLED, VOID) when there was nothing to undo, so that a late forward "
                "call that finds it is refused.",
           public={"cases": [["ConfirmBooking", "payment.refund", "lost"],
                             ["ChargeCard", "payment.refund", "slow"],
                             ["ReserveHotel", "hotel.cancel", "slow"],
                             ["ConfirmBooking", "payment.refund", "paused"]]},
           hidden=lambda r: {"cases": [[_other_step(r, 2), "payment.refund", "lost"],
                                       [_other_step(r, 1), r.choice(["hotel.cancel", "flight.cancel"]),
                                        "lost"],
                                       ["ConfirmBooking", "payment.refund", "paused"]]})
def effect_at_most_once(s: Scenario) -> None:
    trip = Trip(s)
    s.evidence["fault_runs"] = []
    for step, compensation, how in s.params["cases"]:
        if how == "lost":   # the step is refused; the compensation works but its answer is lost once
            faults = {**faults_for(step, "error"), compensation: {"lose_response_times": 1}}
            what = f"fails at {step}, {compensation} loses its first answer"
            wanted = f"{compensation} retried after its lost answer, so that a second run can be seen"
        elif how == "paused":   # the compensation reads, stalls past its timeout, then writes,
            # while its retry reads and writes: a check-then-act refund pays twice
            faults = {**faults_for(step, "error"),
                      compensation: {"pause_times": 1, "pause_s": PAUSE_S}}
            what = f"fails at {step}, {compensation} stalls between its read and its write"
            wanted = (f"{compensation} retried after States.Timeout while its first call still "
                      f"ran, the retry done before the first call wrote")
        else:               # the step times out and lands late, after its own compensation
            faults = faults_for(step, "timeout")
            faults[_forward_key(step)].update(land_after=compensation, wait_s=LAND_WAIT_S)
            what = f"{step} times out and lands late"
            wanted = f"the late call to land after {compensation}, so that it meets its record"
        # A case proves something only when its fault took effect: a saga in which it did not
        # is run again (bounded), and never counts as a pass.
        for _ in range(FAULT_RUNS):
            run = trip.run(faults)
            _expect_failed_and_reversed(s, run, step, what)
            payment = run["items"].get("payment") or {}
            s.expect(int(payment.get("refunds", 0)) <= 1,
                     observed=f"{what}: {payment.get('refunds')} refunds paid for one charge",
                     expected="at most one refund per saga")
            _expect_consistent(s, run, what)
            missed = _fault_missed(trip, run, step, compensation, how)
            s.evidence["fault_runs"].append({"case": what, "saga_id": run["saga_id"],
                                             "fault_took_effect": not missed, "instead": missed})
            if not missed:
                break
        else:
            raise Mismatch(f"{what}: inconclusive, the fault did not take effect in {FAULT_RUNS} "
                           f"sagas ({missed})", f"{wanted}")


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "flaky-compensation", "a compensation that fails for a while is retried",
           points=2,
           hint="Add a Retry to every compensation for ServiceUnavailable and States.Timeout "
                "(IntervalSeconds 1, BackoffRate 1.5, MaxAttempts 3): a 503 from the hotel API "
                "must not leave the room reserved.",
           public={"step": "ChargeCard", "flaky": "hotel.cancel", "fail_times": 2},
           hidden=lambda r: {"step": (step := _other_step(r, 1)),
                             "flaky": _compensation_key(r.randrange(0, FORWARD.index(step) + 1)),
                             "fail_times": r.randint(1, 2)})
def flaky_compensation(s: Scenario) -> None:
    trip = Trip(s)
    step, flaky = s.params["step"], s.params["flaky"]
    faults = {**faults_for(step, "error"), flaky: {"fail_times": s.params["fail_times"]}}
    what = f"fails at {step}, {flaky} answers 503 {s.params['fail_times']} time(s)"
    run = trip.run(faults)
    _expect_failed_and_reversed(s, run, step, what)
    _expect_consistent(s, run, what)
    s.expect(run["error"] != "SagaStuck" and not trip.parked(),
             observed=f"{what}: the saga was parked ({run['error']})",
             expected="the retries to absorb a transient failure, nothing parked")


# -- task 4 ------------------------------------------------------------------------------------

@LAB.check("task-4", "stuck-saga-parked", "a compensation that always fails is parked and alarmed",
           points=3,
           hint="Give every compensation a Catch (States.ALL, ResultPath $.stuck) to a Task "
                "arn:aws:states:::sqs:sendMessage on ${stuck_queue_url} whose MessageBody holds "
                "saga_id.$ and the compensation's name; then continue with the next compensation "
                "and end in the SagaStuck Fail state. lab05_alarm.yaml: an alarm on the queue's "
                "ApproximateNumberOfMessagesVisible >= 1.",
           public={"step": "ConfirmBooking", "broken": "payment.refund"},
           hidden=lambda r: {"step": (step := _other_step(r, 1)),
                             "broken": _compensation_key(r.randrange(1, FORWARD.index(step) + 1))})
def stuck_saga_parked(s: Scenario) -> None:
    trip = Trip(s)
    step, broken = s.params["step"], s.params["broken"]
    cloudwatch, sqs = s.client("cloudwatch"), s.client("sqs")
    topic = s.create.topic("oncall")
    inbox = s.create.inbox("inbox", topic)
    try:
        alarm = yaml.safe_load(substitute(trip.alarm_text, {
            "stuck_queue_name": trip.stuck_queue_name, "topic_arn": topic})) or {}
    except yaml.YAMLError as error:
        raise Mismatch(f"{ALARM_FILE} is not valid YAML: {error}", "PutMetricAlarm parameters")
    s.expect(isinstance(alarm, dict) and alarm.get("MetricName"),
             observed=f"{ALARM_FILE} holds {alarm!r:.120}", expected="PutMetricAlarm parameters")
    # datapoints from the next whole second on were published after the alarm existed
    created = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    # the check names the alarm: an AlarmName in the learner's file is not used
    alarm_name = s.create.alarm("stuck-sagas",
                                **{k: v for k, v in alarm.items() if k != "AlarmName"})

    def state() -> dict[str, Any]:
        return cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]

    # SQS reports a queue's metrics only while the queue is active ("Available CloudWatch metrics
    # for Amazon SQS", SQS Developer Guide): an alarm that treats missing data as breaching pages
    # on a quiet night. The emulator always publishes, so the setting is read back instead.
    missing = state().get("TreatMissingData", "missing")
    s.expect(missing in ("missing", "notBreaching"),
             observed=f"the alarm from {ALARM_FILE} treats missing data as {missing}",
             expected="missing data not breaching, as the task asks: a queue that stops "
                      "reporting while idle must not page anyone")

    # Quiet first. CloudWatch ("Using Amazon CloudWatch alarms", CloudWatch User Guide): OK =
    # the metric is within the threshold, ALARM = outside it. An alarm in ALARM while no saga
    # is stuck pages on call for nothing (and hides the one that is): it must be OK, silent,
    # after the empty queue's depth was published (and evaluated) twice.
    quiet_notes: list[dict[str, Any]] = []

    def quiet() -> bool:
        alarm_notes(sqs, inbox, quiet_notes)
        now = state()
        if now["StateValue"] == "ALARM" or alarmed(quiet_notes, alarm_name):
            raise Mismatch(f"the alarm from {ALARM_FILE} went to ALARM while no saga was stuck "
                           f"({now.get('StateReason', '')[:240]})",
                           "the alarm OK and silent while the stuck-saga queue is empty, ALARM "
                           "once a saga is parked")
        return now["StateValue"] == "OK" and \
            depth_publishes(cloudwatch, trip.stuck_queue_name, created) >= QUIET_PUBLISHES

    try:
        wait_for_alarm(quiet, cloudwatch, trip.stuck_queue_name, created, "the stuck-saga alarm OK")
    except NotWithinPublishes:
        now = state()
        raise Mismatch(f"the alarm from {ALARM_FILE} was still {now['StateValue']} after the "
                       f"empty stuck-saga queue's depth was published "
                       f"{depth_publishes(cloudwatch, trip.stuck_queue_name, created)} times "
                       f"({now.get('StateReason', '')[:160]})",
                       "the alarm OK while the queue is empty: evaluating the queue's depth, "
                       "below its threshold") from None

    what = f"fails at {step}, {broken} always answers 503"
    run = trip.run({**faults_for(step, "error"), broken: {"fail_times": 1000}})
    _expect_failed_and_reversed(s, run, step, what)
    try:
        parked = wait_until(trip.parked, timeout=20, interval=1, what="a parked saga")
    except TimeoutError:
        parked = []
    mine = [p for p in parked if run["saga_id"] in json.dumps(p)]
    s.expect(bool(mine), observed=f"{what}: {len(parked)} message(s) in the stuck-saga queue, "
             f"none with saga id {run['saga_id']}", expected="the saga parked with its saga id")
    broken_service = broken.split(".")[0]
    others = {k: v for k, v in run["items"].items() if k != broken_service}
    problems = saga_problems(others, booked=False)
    s.expect(not problems, observed=f"{what}: {'; '.join(problems)}",
             expected="every other compensation still done after parking the broken one")
    # the ending the lab asks for: a saga left for a human must not look like a clean failure
    ended = (states_entered(run["events"]) or ["no state"])[-1]
    s.expect(ended == "SagaStuck",
             observed=f"{what}: the execution ended in {ended} ({run['error'] or 'no error'})",
             expected="the SagaStuck Fail state once a compensation was parked (BookingFailed "
                      "means every step was undone)")

    notes: list[dict[str, Any]] = []

    def notified() -> bool:
        alarm_notes(sqs, inbox, notes)
        return alarmed(notes, alarm_name)

    parked_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    try:
        wait_for_alarm(notified, cloudwatch, trip.stuck_queue_name, parked_at, "the stuck-saga alarm")
    except NotWithinPublishes:
        s.evidence["notifications"] = notes
        raise Mismatch(f"{what}: no ALARM notification on the topic after the stuck-saga "
                       f"queue's depth was published "
                       f"{depth_publishes(cloudwatch, trip.stuck_queue_name, parked_at)} times "
                       f"with the saga parked; the alarm from {ALARM_FILE} is "
                       f"{state()['StateValue']}",
                       "the alarm in ALARM, notifying its topic") from None
