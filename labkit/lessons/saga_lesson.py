"""Helpers for lesson 05 (sagas on Step Functions): an execution's history as a timeline,
the order compensations ran in, and whether the services' tables ended consistent.

Everything reads plain boto3 results (GetExecutionHistory events, DynamoDB items), so the
lesson and its lab behave the same on the embedded backend, on LocalStack and on AWS.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from labkit.lessons.polling import wait_until

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
OUTCOME_COLOURS = {"succeeded": "tab:green", "failed": "tab:red", "timed out": "tab:orange",
                   "entered": "tab:grey"}


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


def plot_timeline(frame: pd.DataFrame, compensations: Iterable[str] = (), ax=None,
                  title: str = ""):
    """Draw the timeline: one row per state in the order first entered, one bar per attempt,
    coloured by outcome; compensation states are hatched. Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.35 * max(4, frame["state"].nunique()) + 1))
    compensations = set(compensations)
    order = list(dict.fromkeys(frame["state"]))
    span = max(float(frame["end_s"].max()), 0.1) if len(frame) else 1.0
    for row in frame.itertuples():
        y = order.index(row.state)
        width = max(row.end_s - row.start_s, span / 150)  # instant states stay visible
        ax.barh(y, width, left=row.start_s, color=OUTCOME_COLOURS.get(row.outcome, "tab:grey"),
                hatch="//" if row.state in compensations else None, edgecolor="black", lw=0.5)
        error = row.error if isinstance(row.error, str) else ""   # None/NaN: no error
        label = (f"#{row.attempt} " if row.attempt > 1 else "") + error
        if label:
            ax.text(row.start_s + width, y, " " + label.strip(), va="center", fontsize=7)
    ax.set_yticks(range(len(order)), order, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the execution started")
    ax.set_xlim(0, span * 1.3)
    handles = [Patch(color=c, label=o) for o, c in OUTCOME_COLOURS.items()]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="compensation"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    if title:
        ax.set_title(title, fontsize=10)
    return ax


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
