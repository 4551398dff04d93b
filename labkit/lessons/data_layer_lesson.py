"""Helpers for lesson 11 (the data layer): bursts of synchronous invokes and what each one met,
connections per execution environment, DynamoDB read units computed by AWS's rules, and the
modelled price of reads at a request rate.

    frame = invoke_burst(lam, name, n=24, concurrency=12)   # one row per request
    summarize(frame)            # {"requests": 24, "ok": 9, "refused": 15, "throttled": 0, ...}
    connections_per_environment(frame)                      # env -> distinct backend pids

The function's answer is expected to carry ``pid`` (pg_backend_pid()) and ``env`` (an id made
once per execution environment, in init). A refused connection reaches the caller as a function
error whose message is PostgreSQL's (or the proxy's) 53300 text.
"""
from __future__ import annotations

import io
import json
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

import matplotlib.pyplot as plt
import pandas as pd
from botocore.config import Config

from labkit.cost.prices import DYNAMODB_PRICING, DYNAMODB_READ_UNITS
from labkit.postgres import REFUSALS

PRICE_SOURCE = DYNAMODB_PRICING
# one attempt per call: a throttle is counted here, and retried (or not) by invoke_burst
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60,
                    max_pool_connections=64)   # more threads than the default pool of 10
ROW_COLUMNS = ["i", "outcome", "attempts", "latency_ms", "pid", "env", "tried", "error"]
READ_UNIT_BYTES = 4096
PAGE_BYTES = 1024 * 1024


# -- bursts of invocations ---------------------------------------------------------------------
def classify(function_error: str | None, body: str, throttled: bool = False) -> str:
    """What one invocation met: "throttled" (Lambda refused it: TooManyRequestsException),
    "refused" (the database or the proxy had no connection slot: SQLSTATE 53300),
    "error" (any other function error) or "ok"."""
    if throttled:
        return "throttled"
    if not function_error:
        return "ok"
    text = body.lower()
    if "53300" in text or any(r in text for r in REFUSALS) or "no connection free" in text:
        return "refused"
    return "error"


def invoke_once(lam, name: str, payload: dict, retry_on: tuple[str, ...] = (),
                max_attempts: int = 6, base_s: float = 0.05, cap_s: float = 1.0) -> dict:
    """One request: a synchronous invoke, tried again (full-jitter backoff) while its outcome
    is in ``retry_on`` (e.g. ("throttled",) or ("refused",)) and attempts remain."""
    began, tried = time.monotonic(), []
    while True:
        try:
            answer = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
            body = answer["Payload"].read().decode()
            outcome = classify(answer.get("FunctionError"), body)
        except lam.exceptions.TooManyRequestsException:
            body, outcome = '{"errorMessage": "TooManyRequestsException"}', "throttled"
        tried.append(outcome)
        if outcome not in retry_on or len(tried) == max_attempts:
            break
        time.sleep(random.uniform(0, min(cap_s, base_s * 2 ** len(tried))))
    result = json.loads(body) if outcome == "ok" else {}
    return {"outcome": outcome, "attempts": len(tried), "latency_ms": (time.monotonic() - began) * 1000,
            "pid": result.get("pid"), "env": result.get("env"), "tried": tried,
            "error": None if outcome == "ok" else _message(body)}


def _message(body: str) -> str:
    try:
        return str(json.loads(body).get("errorMessage", body))[:200]
    except (ValueError, AttributeError):
        return body[:200]


def invoke_burst(lam, name: str, n: int, concurrency: int, payload: dict | None = None,
                 retry_on: tuple[str, ...] = (), on_answer: Callable[[], None] | None = None) -> pd.DataFrame:
    """``n`` synchronous invokes from ``concurrency`` client threads at once; one row each."""
    def one(i: int) -> dict:
        row = {"i": i, **invoke_once(lam, name, payload or {}, retry_on)}
        if on_answer:
            on_answer()
        return row

    with ThreadPoolExecutor(concurrency) as pool:
        rows = list(pool.map(one, range(n)))
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def summarize(frame: pd.DataFrame) -> dict:
    """Final outcomes by kind, every attempt's refusals and throttles, and the distinct
    connections and environments the successes used."""
    counts = frame["outcome"].value_counts()
    ok = frame[frame["outcome"] == "ok"]
    every = [o for tried in frame["tried"] for o in tried]
    return {"requests": len(frame), **{k: int(counts.get(k, 0)) for k in ("ok", "refused", "throttled", "error")},
            "attempts": len(every), "refused attempts": every.count("refused"),
            "throttled attempts": every.count("throttled"),
            "environments": int(ok["env"].nunique()), "connections": int(ok["pid"].nunique())}


def connections_per_environment(frame: pd.DataFrame) -> pd.Series:
    """Execution environment -> how many different server connections (backend pids) its
    successful invocations used: 1 if it kept one connection, as many as invocations if it
    opened one each time."""
    ok = frame[frame["outcome"] == "ok"]
    return ok.groupby("env")["pid"].nunique().sort_values(ascending=False)


# -- DynamoDB read units, by AWS's rules ----------------------------------------------------
def _value_bytes(value) -> int:
    """Approximate stored size of one attribute value in DynamoDB's JSON (low-level) form."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(inner.lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_bytes({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_bytes(item: dict) -> int:
    """An item's size as DynamoDB counts it: attribute names (UTF-8) plus values."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def read_units(sizes: Iterable[int], consistent: bool = False) -> float:
    """Query/Scan read units: item sizes summed per 1 MB page, each page rounded up to 4 KB;
    1 unit per 4 KB strongly consistent, 0.5 eventually consistent. AWS: "Capacity unit
    consumption for read operations", https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/read-write-operations.html#read-operation-consumption"""
    pages, page = [], 0
    for size in sizes:
        if page and page + size > PAGE_BYTES:
            pages.append(page)
            page = 0
        page += size
    pages.append(page)
    blocks = sum(max(1, math.ceil(p / READ_UNIT_BYTES)) for p in pages)
    return blocks * (1.0 if consistent else 0.5)


def monthly_read_cost(units_per_request: float, requests_per_month: float) -> float:
    """On-demand read request units for a month, in dollars (modelled; PRICE_SOURCE)."""
    return units_per_request * requests_per_month * DYNAMODB_READ_UNITS.usd / DYNAMODB_READ_UNITS.per


# -- plots ----------------------------------------------------------------------------------
def figure_png(fig) -> bytes:
    """The figure as PNG bytes, closed: for a widgets.Image that a callback redraws. (A figure
    displayed from a callback after worker threads updated widgets can land in JupyterLab's
    log console instead of the Output widget; setting an Image's value cannot.)"""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def plot_refusals(rows: pd.DataFrame, timing: str, title: str, limit: int | None = None):
    """Stacked bars per concurrency: ok / refused / throttled / other errors (one row each)."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    colors = {"ok": "tab:green", "refused": "tab:red", "throttled": "tab:orange", "error": "tab:gray"}
    bottom = pd.Series(0, index=rows.index, dtype=float)
    labels = rows["label"].astype(str) if "label" in rows else rows["concurrency"].astype(str)
    for outcome, color in colors.items():
        if outcome in rows and rows[outcome].sum():
            ax.bar(labels, rows[outcome], bottom=bottom, color=color, label=outcome)
            bottom += rows[outcome]
    if limit is not None:
        ax.set_title(f"{title}\n(role app may hold {limit} connections; {timing})", fontsize=10)
    else:
        ax.set_title(f"{title} ({timing})", fontsize=10)
    ax.set_ylabel("requests")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_read_units(table: pd.DataFrame, title: str):
    """Horizontal bars: read units per access pattern (the measured column), log scale."""
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(table)))
    ax.barh(table.index, table["read units (measured)"], color="tab:blue")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("read units per request (ConsumedCapacity, log scale)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
