"""Helpers for lesson 05 (sagas on Step Functions): an execution's history as a timeline,
the order compensations ran in, whether the services' tables ended consistent, the plumbing
around the saga (tables, the state machine's role, the stuck-saga queue and its alarm) and the
modelled Step Functions prices. Figures and the widget are in saga_figures.py.

Everything reads plain boto3 results (GetExecutionHistory events, DynamoDB items), so the
lesson and its lab behave the same on the embedded backend, on LocalStack and on AWS.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import pandas as pd

from labkit import cost
from labkit.lessons.cost_lesson import state_transitions
from labkit.lessons.logs import read_json_lines
from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress
from labkit.lessons.queues import make_queue, subscribe_queue

# History event types that start and end one attempt of a Task state. Lambda functions
# called by ARN log LambdaFunction*, service integrations (lambda:invoke, sqs:sendMessage)
# log Task* (Step Functions API Reference, HistoryEvent).
ATTEMPT_STARTED = {"LambdaFunctionScheduled", "TaskScheduled"}
ATTEMPT_OUTCOMES = {
    "LambdaFunctionSucceeded": "succeeded", "TaskSucceeded": "succeeded",
    "LambdaFunctionFailed": "failed", "TaskFailed": "failed",
    "LambdaFunctionScheduleFailed": "failed", "LambdaFunctionStartFailed": "failed",
    "TaskStartFailed": "failed", "TaskSubmitFailed": "failed",
    "LambdaFunctionTimedOut": "timed out", "TaskTimedOut": "timed out",
}
TIMELINE_COLUMNS = ["state", "state_type", "attempt", "start_s", "end_s", "outcome", "error"]


def _details(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def execution_timeline(events: Iterable[dict]) -> pd.DataFrame:
    """One row per Task attempt (a retried task has several) and one per other state entered.

    Columns: state, state_type (Task, Choice, Fail, ...), attempt (1, 2, ...; 0 for states
    without attempts), start_s / end_s (seconds since the execution started), outcome
    (succeeded, failed, timed out; "entered" for non-Task states) and error (the error name).
    Assumes one branch (no Parallel/Map), which is what a saga's main path is.
    """
    events = sorted(events, key=lambda e: e["id"])
    if not events:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    t0 = events[0]["timestamp"]
    seconds = lambda e: (e["timestamp"] - t0).total_seconds()  # noqa: E731
    rows: list[dict] = []
    state, state_type, state_start, attempts, open_attempt = None, None, 0.0, 0, None
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            state, state_type = _details(event).get("name"), kind[: -len("StateEntered")]
            state_start, attempts, open_attempt = seconds(event), 0, None
        elif kind in ATTEMPT_STARTED:
            attempts += 1
            open_attempt = {"state": state, "state_type": state_type, "attempt": attempts,
                            "start_s": seconds(event), "end_s": None, "outcome": None, "error": None}
        elif kind in ATTEMPT_OUTCOMES and open_attempt is not None:
            open_attempt.update(end_s=seconds(event), outcome=ATTEMPT_OUTCOMES[kind],
                                error=_details(event).get("error"))
            rows.append(open_attempt)
            open_attempt = None
        elif kind.endswith("StateExited") and attempts == 0:
            rows.append({"state": state, "state_type": state_type, "attempt": 0,
                         "start_s": state_start, "end_s": seconds(event), "outcome": "entered",
                         "error": None})
        elif kind in ("ExecutionFailed", "ExecutionSucceeded", "ExecutionTimedOut",
                      "ExecutionAborted") and state_type in ("Fail", "Succeed") and \
                (not rows or rows[-1]["state"] != state):
            # Fail states have no StateExited event: the execution ends in them.
            rows.append({"state": state, "state_type": state_type, "attempt": 0,
                         "start_s": state_start, "end_s": seconds(event), "outcome": "entered",
                         "error": _details(event).get("error")})
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def states_entered(events: Iterable[dict]) -> list[str]:
    """The names of the states the execution entered, in order (a retry does not re-enter)."""
    return [_details(e).get("name") for e in sorted(events, key=lambda e: e["id"])
            if e["type"].endswith("StateEntered")]


def compensation_order(events: Iterable[dict], compensations: Iterable[str]) -> list[str]:
    """The compensation states the execution entered, in the order it entered them."""
    wanted = set(compensations)
    return [name for name in states_entered(events) if name in wanted]


def attempts_per_state(events: Iterable[dict]) -> dict[str, int]:
    """How many times each Task state was attempted (1 = no retry)."""
    frame = execution_timeline(events)
    tasks = frame[frame["attempt"] > 0]
    return {str(k): int(v) for k, v in tasks.groupby("state")["attempt"].max().items()}


def wait_for_execution(sfn, execution_arn: str, timeout: float = 120.0) -> dict:
    """Poll DescribeExecution until the execution is no longer RUNNING; return the description."""
    def finished():
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    return wait_until(finished, timeout=timeout, interval=0.25,
                      what=f"execution {execution_arn.rsplit(':', 1)[-1]} to finish")


def execution_history(sfn, execution_arn: str) -> list[dict]:
    """Every history event of the execution, oldest first (all pages)."""
    events: list[dict] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return sorted(events, key=lambda e: e["id"])


# ---- consistency of the services' tables after one saga ---------------------------------

def saga_problems(items: dict[str, dict | None], booked: bool) -> list[str]:
    """What is wrong with the services' records of one saga; an empty list = consistent.

    ``items`` maps "flight", "hotel", "payment", "booking" to that table's item for the saga
    (None when absent). Items carry a "status"; the payment item also "refunds" (how many
    refunds were paid) and "amount" (set when the card was charged).
    A booked trip must hold everything: both reservations, one charge and no refund, a
    confirmed booking. A trip that was not booked must hold nothing: no reservation, no
    confirmed booking, and every charge refunded exactly once (no refund without a charge).
    """
    status = {name: (item or {}).get("status") for name, item in items.items()}
    payment = items.get("payment") or {}
    refunds = int(payment.get("refunds", 0))
    charged = "amount" in payment
    problems = []
    if booked:
        for name in ("flight", "hotel"):
            if status.get(name) != "RESERVED":
                problems.append(f"booked, but the {name} is {status.get(name) or 'missing'}")
        if status.get("payment") != "CHARGED" or refunds:
            problems.append(f"booked, but the payment is {status.get('payment') or 'missing'} "
                            f"with {refunds} refund(s)")
        if status.get("booking") != "CONFIRMED":
            problems.append(f"booked, but the booking is {status.get('booking') or 'missing'}")
        return problems
    for name in ("flight", "hotel"):
        if status.get(name) == "RESERVED":
            problems.append(f"{name} reserved without a booking")
    if status.get("booking") == "CONFIRMED":
        problems.append("booking confirmed for a trip that failed")
    if status.get("payment") == "CHARGED":
        problems.append("card charged without a refund")
    if refunds > 1:
        problems.append(f"card refunded {refunds} times for one charge")
    if refunds and not charged:
        problems.append("refund paid without a charge")
    return problems


def read_saga_items(dynamodb, tables: dict[str, str], saga_id: str) -> dict[str, dict | None]:
    """{service: the item keyed by saga_id in that service's table (None if absent)}.
    ``dynamodb`` is a boto3 DynamoDB *client*; numbers come back as int."""
    found = {}
    for service, table in tables.items():
        item = dynamodb.get_item(TableName=table, Key={"saga_id": {"S": saga_id}},
                                 ConsistentRead=True).get("Item")
        found[service] = None if item is None else {k: _plain(v) for k, v in item.items()}
    return found


def _plain(value: dict):
    (kind, raw), = value.items()
    if kind == "N":
        number = float(raw)
        return int(number) if number.is_integer() else number
    if kind == "NULL":
        return None
    return raw


# ---- the plumbing around the saga: tables, the on-call queue, the state machine's role ------

def topic_with_queue(sns, sqs, topic_name: str, queue_name: str) -> tuple[str, str]:
    """A new SNS topic and a new queue that receives its messages as they were published (raw
    delivery), with the queue policy that lets the topic send to it (required on AWS);
    -> (topic ARN, queue URL)."""
    topic_arn = sns.create_topic(Name=topic_name)["TopicArn"]
    url, arn = make_queue(sqs, queue_name)
    subscribe_queue(sns, sqs, topic_arn, url, arn, raw=True)
    return topic_arn, url


def state_machine_role(iam, role_name: str, function_arns, stuck_queue_arn: str) -> str:
    """A role Step Functions can assume, allowed to invoke the functions and to send to the
    stuck-saga queue (the Park... states); -> its ARN."""
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "states.amazonaws.com"}}]}))["Role"]["Arn"]
    allow_role_to_invoke(iam, role_name, "saga", function_arns,
                         [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": stuck_queue_arn}])
    return arn


def allow_role_to_invoke(iam, role_name: str, policy_name: str, function_arns,
                         more_statements: list[dict] = ()) -> None:
    """An inline policy on the role: lambda:InvokeFunction on these functions (and any other
    statements)."""
    iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": list(function_arns)},
            *more_statements]}))


def create_state_machine(sfn, name: str, definition: dict, role_arn: str,
                         machine_type: str = "STANDARD", patience_s: float = 60.0) -> str:
    """CreateStateMachine; -> its ARN. On AWS a brand-new role takes a few seconds to become
    usable, so an error about the role is retried; a definition error is not."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                            roleArn=role_arn, type=machine_type)["stateMachineArn"]
        except sfn.exceptions.InvalidDefinition:
            raise
        except Exception as error:
            if "role" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(2)


# ---- reading one saga's outcome ---------------------------------------------------------

def late_call_logged(logs, function_name: str, action: str, run: dict) -> bool:
    """Has the service's function logged "done" for this saga's `action` since the run started?"""
    lines = read_json_lines(logs, function_name, run["started"] - 1, kind="done")
    return bool(len(lines)) and bool(((lines["saga_id"] == run["saga_id"])
                                      & (lines["action"] == action)).any())


def settle(run: dict, ddb, logs, tables: dict[str, str], function_prefix: str) -> dict:
    """Add the saga's items and their problems to `run`, read once late calls (a timed-out step
    still running, "slow_s" in its faults) have finished: the slow call logs "done" when it
    finally reaches its table. Functions are named f"{function_prefix}-{service}"."""
    for key, fault in run["faults"].items():
        if fault.get("slow_s"):
            service, action = key.split(".")
            wait_until(lambda: late_call_logged(logs, f"{function_prefix}-{service}", action, run),
                       timeout=60, interval=0.5, what=f"the late {key} call of {run['saga_id']}")
    run["items"] = read_saga_items(ddb, tables, run["saga_id"])
    run["problems"] = saga_problems(run["items"], booked=run["status"] == "SUCCEEDED")
    return run


def items_table(run: dict) -> pd.DataFrame:
    """What each service's table holds for the saga, one row per service ("(nothing)" when
    absent), without the key and the timestamps."""
    rows = {service: item or {"status": "(nothing)"} for service, item in run["items"].items()}
    frame = pd.DataFrame(rows).T.drop(columns=["saga_id", "at", "cancelled_at"], errors="ignore")
    return frame.fillna("")


def run_all(function, cases: list, label: str, workers: int = 4) -> list:
    """`function(case)` for every case, `workers` at a time, with a progress bar; results in
    the order of `cases`."""
    with Progress(len(cases), label) as progress, ThreadPoolExecutor(workers) as pool:
        def one(case):
            result = function(case)
            progress.step()
            return result
        return list(pool.map(one, cases))


def transitions_table(runs: dict[str, dict]) -> pd.DataFrame:
    """Per run ({label: run}): its billed state transitions, counted from its history
    (cost_lesson.state_transitions), and how long it took (seconds, emulated)."""
    return pd.DataFrame([{"run": label, "state transitions": state_transitions(run["events"]),
                          "seconds (emulated)": run["seconds"]} for label, run in runs.items()])


def refund_ledger(runs: dict[str, dict]) -> pd.DataFrame:
    """One row per run ({refund implementation: settled run}): how often RefundCard was
    attempted (from the history), the refunds the payment table records, the amount charged,
    what the customer got back (refunds x amount) and the saga's problems."""
    rows = []
    for name, run in runs.items():
        payment = run["items"]["payment"]
        rows.append({"refund": name, "RefundCard attempts": attempts_per_state(run["events"])["RefundCard"],
                     "refunds paid": payment["refunds"], "charged": payment["amount"],
                     "customer got back": payment["refunds"] * payment["amount"],
                     "problems": "; ".join(run["problems"]) or "none"})
    return pd.DataFrame(rows)


# ---- the stuck-saga queue and its alarm ------------------------------------------------------

def peek_messages(sqs, queue_url: str) -> list[dict]:
    """Up to 10 messages (parsed JSON bodies, each with its "receipt" handle), received with
    VisibilityTimeout=0: looked at without hiding them, since the alarm watches the visible count."""
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [{**json.loads(m["Body"]), "receipt": m["ReceiptHandle"]} for m in got.get("Messages", [])]


def wait_for_alarm(cloudwatch, alarm_name: str, timeout: float = 120.0) -> None:
    """Wait until the alarm is in state ALARM."""
    with Progress(1, "waiting for the alarm") as progress:
        wait_until(lambda: cloudwatch.describe_alarms(AlarmNames=[alarm_name])
                   ["MetricAlarms"][0]["StateValue"] == "ALARM",
                   timeout=timeout, interval=1, what=f"the alarm {alarm_name}")
        progress.step()


def wait_for_notification(sqs, queue_url: str, timeout: float = 60.0) -> dict:
    """The first message that arrives in the queue (an alarm's notification), parsed."""
    page = wait_until(lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"),
                      timeout=timeout, what="the alarm notification")
    return json.loads(page[0]["Body"])


# ---- modelled Step Functions prices (labkit.cost holds every price) --------------------------

def transitions_paid_by(standard_usd: float) -> float:
    """How many Standard state transitions `standard_usd` pays for (no free tier)."""
    per_transition = cost.PRICE_TABLE["SFN_STANDARD_TRANSITIONS"]
    return standard_usd / per_transition.usd * per_transition.per


def seed_004_transition_costs() -> str:
    """Seed 004's Standard figures (10 states x 100,000 documents, and 40-50 transitions with
    retries and branches), recomputed with labkit.cost rather than copied, as one sentence."""
    def usd(transitions: float, free_tier: bool = False) -> str:
        return f"${cost.step_functions_standard_cost(transitions, free_tier=free_tier).total_usd:,.2f}"

    return (f"seed 004: 10 states x 100,000 documents = 1,000,000 transitions -> "
            f"{usd(10 * 100_000)} ({usd(10 * 100_000, free_tier=True)} after the 4,000 free ones); "
            f"with retries and branches at 40-50 transitions: "
            f"{usd(40 * 100_000)}-{usd(50 * 100_000)} (the seed quotes the top, $125)")


def express_budget_table(transitions: float, express_usd: float,
                         per_execution=(5, 10, 20), memory_mb: int = 64) -> pd.DataFrame:
    """If `transitions` per month were executions of `per_execution` transitions each, how long
    could each run on Express for `express_usd` a month (requests first, the rest buys GB-s at
    the first tier's price), recomputed with labkit.cost as a check."""
    request = cost.PRICE_TABLE["SFN_EXPRESS_REQUESTS"]
    gb_s = cost.PRICE_TABLE["SFN_EXPRESS_GB_S_FIRST_1K_GB_H"]
    rows = []
    for transitions_each in per_execution:
        runs = transitions / transitions_each
        left_for_duration = express_usd - request.cost(runs)
        seconds_each = left_for_duration / gb_s.usd / (runs * memory_mb / 1024)
        check = cost.step_functions_express_cost(runs, duration_ms=seconds_each * 1000,
                                                 memory_mb=memory_mb).total_usd
        rows.append({"transitions per execution": transitions_each, "executions/month": round(runs),
                     f"Express ${express_usd:g} leaves s per execution ({memory_mb} MB)":
                         round(seconds_each, 1),
                     "Express recomputed ($)": round(check, 2)})
    return pd.DataFrame(rows)
