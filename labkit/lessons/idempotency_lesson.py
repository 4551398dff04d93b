"""Helpers for lesson 02 (idempotency): the payment worker's role and zip, the
producer's orders and duplicates, counting charges per order, and the lesson's figures and
widget.

Plain boto3 clients are passed in, so the lesson runs the same on every backend, AWS included.
"""
from __future__ import annotations

import importlib.util
import json
import random
import uuid
from pathlib import Path
from typing import Callable

import pandas as pd

from labkit.deploy import LAMBDA_TRUST, ROLE_POLICIES
from labkit.lessons.controls import show_controls

OUTCOMES = {"never charged": "tab:gray", "charged once": "tab:green",
            "charged twice or more": "tab:red"}
CAUSE_COLORS = {"clean": "tab:green", "sent twice": "tab:orange", "crashed after charge": "tab:red",
                "sent twice + crashed after charge": "tab:purple"}
CHARGE_COLUMNS = ["charge_id", "order_id", "amount", "merchant"]


# --- the worker's resources --------------------------------------------------------------

def worker_role(iam, name: str, table_arns: list[str]) -> str:
    """An execution role that may write logs, poll SQS and read and write these tables only:
    on AWS the function needs the tables (labkit-lambda-role may not use them); -> its ARN."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    for policy in ROLE_POLICIES:   # logs, and polling SQS (labkit.deploy)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    iam.put_role_policy(RoleName=name, PolicyName="tables", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": table_arns, "Action": [
            "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]}]}))
    return arn


def package_files(*modules: str) -> dict[str, str]:
    """The sources of installed pure-Python packages (or single-file modules) as
    {path in the zip: text}, to deploy with a function: Lambda's Python runtime has boto3, but
    not Powertools."""
    files = {}
    for module in modules:
        origin = Path(importlib.util.find_spec(module).origin)
        if origin.name != "__init__.py":   # a single-file module, e.g. typing_extensions.py
            files[origin.name] = origin.read_text(encoding="utf-8")
            continue
        for path in sorted(origin.parent.rglob("*.py")):
            files[path.relative_to(origin.parent.parent).as_posix()] = path.read_text(encoding="utf-8")
    return files


# --- the producer, and what the payment provider took ------------------------------------

def make_orders(n_orders: int, duplicate_rate: float, crash_rate: float, crash_at,
                seed: int) -> tuple[list[dict], list[dict]]:
    """The orders, and the deliveries the producer makes (duplicates included, shuffled).

    `crash_at` is a crash point, None, or several points that take turns among the crashing
    orders. The same seed gives the same orders and deliveries (but new order ids)."""
    rng, run = random.Random(seed), uuid.uuid4().hex[:6]
    points = [crash_at] if isinstance(crash_at, str) or crash_at is None else list(crash_at)
    crashing = set(rng.sample(range(n_orders), round(crash_rate * n_orders))) if points != [None] else set()
    orders = [{"order_id": f"{run}-{i:02d}", "amount": rng.choice([19, 25, 42, 99])} for i in range(n_orders)]
    for k, i in enumerate(sorted(crashing)):
        orders[i]["crash_at"] = points[k % len(points)]
    sent_twice = set(rng.sample(range(n_orders), round(duplicate_rate * n_orders)))
    deliveries = orders + [orders[i] for i in sorted(sent_twice)]
    rng.shuffle(deliveries)
    return orders, deliveries


def scan_charges(dynamodb, table: str) -> pd.DataFrame:
    """Every charge the provider took: one row each (charge_id, order_id, amount, merchant)."""
    rows, start = [], None
    while True:
        page = dynamodb.scan(TableName=table, ConsistentRead=True,
                             **({"ExclusiveStartKey": start} if start else {}))
        rows += [{k: list(v.values())[0] for k, v in item.items()} for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return pd.DataFrame(rows, columns=CHARGE_COLUMNS)


def charges_per_order(charges: pd.DataFrame, orders: list[dict], deliveries: list[dict],
                      functions: dict[str, str]) -> pd.DataFrame:
    """One row per order: how often it was sent, its crash point, and one column per variant
    ({variant: function name}, the charge's merchant) with the number of charges taken."""
    table = pd.DataFrame(index=[o["order_id"] for o in orders])
    for variant, function in functions.items():
        mine = charges[charges["merchant"] == function]
        table[variant] = mine["order_id"].value_counts().reindex(table.index, fill_value=0).astype(int)
    sent = pd.Series([o["order_id"] for o in deliveries]).value_counts()
    table.insert(0, "sent", sent.reindex(table.index, fill_value=0).astype(int))
    table.insert(1, "crash_at", [o.get("crash_at") or "" for o in orders])
    return table


def duplicate_causes(table: pd.DataFrame) -> pd.Series:
    """Why each order could be charged twice: "sent twice", "crashed after charge", both, or
    "clean"."""
    def why(row) -> str:
        causes = (["sent twice"] if row["sent"] > 1 else []) + (["crashed after charge"] if row["crash_at"] else [])
        return " + ".join(causes) or "clean"
    return table.apply(why, axis=1)


def outcome_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per variant (rows): orders never charged, charged once, charged twice or more."""
    variants = [c for c in table.columns if c not in ("sent", "crash_at")]
    return pd.DataFrame({v: {"never charged": int((table[v] == 0).sum()),
                             "charged once": int((table[v] == 1).sum()),
                             "charged twice or more": int((table[v] >= 2).sum())}
                         for v in variants}).T


def order_story(lines: pd.DataFrame, order_id: str) -> pd.DataFrame:
    """One order's log lines in time order: seconds since its first line, kind, attempt, error."""
    story = lines[lines["order_id"] == order_id].sort_values("t").reindex(
        columns=["t", "kind", "attempt", "error"])
    story.insert(0, "seconds", (story["t"] - story["t"].min()).round(1))
    return story.drop(columns="t").astype(object).fillna("")


def answer_or_error(lam, function: str, event: dict) -> dict:
    """Invoke synchronously: the handler's answer, or {"error": its errorType} when it raised
    (an error is an answer here: Powertools refuses a duplicate with one)."""
    response = lam.invoke(FunctionName=function, Payload=json.dumps(event))
    payload = json.loads(response["Payload"].read())
    return {"error": payload.get("errorType")} if "FunctionError" in response else payload


# --- figures and the widget --------------------------------------------------------------

def plot_charges_per_order(charges: pd.Series, causes: pd.Series, title: str) -> None:
    """A bar per order (its number after the run id), coloured by why it could be repeated."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(10, 3))
    ax.bar(range(len(charges)), charges, color=causes.map(CAUSE_COLORS))
    ax.set_xticks(range(len(charges)), [i.split("-")[1] for i in charges.index])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axhline(1, color="grey", ls=":", lw=0.8)
    ax.set_xlabel("order"); ax.set_ylabel("charges"); ax.set_title(title)
    ax.legend(handles=[Patch(color=c, label=k) for k, c in CAUSE_COLORS.items() if k in set(causes)],
              fontsize=8)
    show_figure(fig)


def plot_outcomes(table: pd.DataFrame, title: str) -> None:
    """A stacked bar per variant: its orders never charged, charged once, charged twice+."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    counts = outcome_counts(table)
    fig, ax = plt.subplots(figsize=(10, 3.4))
    bottom = pd.Series(0, index=counts.index)
    for label, color in OUTCOMES.items():
        ax.bar(counts.index, counts[label], bottom=bottom, color=color, label=label)
        bottom += counts[label]
    ax.set_ylabel("orders"); ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)


def fault_mix_widget(run: Callable[..., None]) -> None:
    """Display a crash point, two rates and a button; each click calls
    run(crash_at=, crash_label=, duplicate_rate=, crash_rate=) into the widget's output. It
    runs once with the defaults (crash right after the charge, 25 % and 25 %)."""
    import ipywidgets as widgets

    crash_choice = widgets.Dropdown(options=[("no crash", None), ("just before the charge", "before_charge"),
                                             ("right after the charge", "after_charge")],
                                    value="after_charge", description="crash point")
    show_controls([crash_choice,
                   widgets.FloatSlider(value=0.25, min=0, max=1, step=0.05, description="sent twice"),
                   widgets.FloatSlider(value=0.25, min=0, max=1, step=0.05, description="crash rate")],
                  lambda crash_at, duplicate_rate, crash_rate: run(
                      crash_at=crash_at, crash_label=crash_choice.label,
                      duplicate_rate=duplicate_rate, crash_rate=crash_rate),
                  label="Run all variants")
