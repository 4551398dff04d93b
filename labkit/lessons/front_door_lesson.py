"""Helpers for lesson 10 (the front door): calling an API over HTTP, bursts of concurrent
requests, latency percentiles, retries with backoff and jitter, the API Gateway price model,
and the lesson's plots.

Callers talk to the API's invoke URL with plain HTTP (urllib), as a browser or a mobile app
would; nothing here needs the backend's SDK. Error statuses (429, 503, 504) are answers, not
exceptions: they are what the lesson counts.

    result = http_call(url + "/orders", "POST", {"order_id": "o-1"})   # {"status": 200, ...}
    frame = send_burst(lambda i: http_call(...), n=40, concurrency=8)
    latency_percentiles(frame["latency_ms"])                            # {"p50": ..., "p99": ...}
"""
from __future__ import annotations

import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from labkit.cost.prices import API_GATEWAY_PRICING
from labkit.cost.services import api_gateway_cost

RETRYABLE = (429, 502, 503, 504)   # throttled, or the gateway gave up: worth another try
STATUS_COLOURS = {200: "tab:green", 202: "tab:green", 429: "tab:red", 503: "tab:orange",
                  504: "tab:orange"}


# ---------------------------------------------------------------- calling the API
def invoke_url(endpoint_url: str | None, region: str, api_id: str, stage: str = "$default") -> str:
    """Where an API answers (REST or HTTP). On AWS https://{api}.execute-api.{region}.amazonaws.com/{stage};
    an emulator (the embedded backend, LocalStack) serves it path-style at
    {endpoint}/_aws/execute-api/{api}/{stage}. The $default stage has no path segment."""
    suffix = "" if stage == "$default" else f"/{stage}"
    if not endpoint_url:
        return f"https://{api_id}.execute-api.{region}.amazonaws.com{suffix}"
    return f"{endpoint_url.rstrip('/')}/_aws/execute-api/{api_id}{suffix}"


def http_call(url: str, method: str = "GET", body: Any = None, headers: dict | None = None,
              timeout: float = 60.0) -> dict[str, Any]:
    """One request: status, latency_ms (seen by the caller), the decoded body, and the wall
    clock time it started and ended. A JSON-serialisable ``body`` is sent as JSON."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    started_at, started = time.time(), time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    latency_ms = (time.perf_counter() - started) * 1000
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = raw.decode("utf-8", errors="replace")
    return {"status": status, "latency_ms": latency_ms, "body": decoded,
            "started_at": started_at, "ended_at": started_at + latency_ms / 1000}


def send_burst(call: Callable[[int], dict], n: int, concurrency: int,
               on_answer: Callable[[], None] | None = None) -> pd.DataFrame:
    """Send ``n`` requests from ``concurrency`` client threads at once (each thread sends its
    next request as soon as the previous one is answered). One row per request, in order of
    ``i``, with ``t`` = seconds from the start of the burst to the request's start.
    ``on_answer`` is called after each answer (e.g. a progress bar's step)."""
    if n < 1 or concurrency < 1:
        raise ValueError("n and concurrency must be at least 1")
    gate, lock = threading.Barrier(min(n, concurrency)), threading.Lock()

    def one(i: int) -> dict:
        if i < concurrency:            # the first wave leaves together
            gate.wait()
        answer = {"i": i, **call(i)}
        if on_answer is not None:
            with lock:
                on_answer()
        return answer

    started = time.time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        rows = list(pool.map(one, range(n)))
    frame = pd.DataFrame(rows)
    frame["t"] = frame["started_at"] - started
    return frame


# ---------------------------------------------------------------- counting and percentiles
def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0 < q <= 100) by the nearest-rank method: the smallest value with
    at least q % of the values at or below it. Always one of the measured values (a p99 of
    40 requests is the slowest but none), which is how latency SLOs are usually read."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[rank - 1]


def latency_percentiles(values: Iterable[float], qs: Sequence[float] = (50, 90, 99)) -> dict[str, float]:
    """{"n": count, "p50": ..., "p90": ..., "p99": ..., "max": ...} of the values."""
    values = list(values)
    found = {"n": len(values)}
    found.update({f"p{q:g}": percentile(values, q) for q in qs})
    found["max"] = max(values)
    return found


def count_statuses(statuses: Iterable[int]) -> dict[int, int]:
    """How many of each HTTP status, in status order: {200: 31, 429: 9}."""
    counts: dict[int, int] = {}
    for status in statuses:
        counts[int(status)] = counts.get(int(status), 0) + 1
    return dict(sorted(counts.items()))


def settled(read: Callable[[], int], minimum: int, polls: int = 3) -> Callable[[], int | None]:
    """A predicate for wait_until: the count ``read()`` returns once it is at least
    ``minimum`` and the same ``polls`` times in a row (log lines and metrics arrive late,
    so a count is only final once it stops growing)."""
    seen: list[int] = []

    def check() -> int | None:
        seen.append(read())
        last = seen[-polls:]
        if len(last) == polls and last[0] >= minimum and len(set(last)) == 1:
            return last[0] or True   # wait_until needs a truthy value, even for a count of 0
        return None
    return check


# ---------------------------------------------------------------- retries
def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """"Full jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*): a random wait
    between 0 and min(cap, base x 2^attempt) before retry number ``attempt`` (0 = the first
    retry). The randomness spreads the retries of clients that failed together."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    return rng.uniform(0, min(cap_s, base_s * 2 ** attempt))


def with_retries(call: Callable[[], dict], max_attempts: int = 8, base_s: float = 0.1,
                 cap_s: float = 2.0, rng: random.Random | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 retry_on: Sequence[int] = (429,)) -> dict:
    """Call until the status is not in ``retry_on`` or ``max_attempts`` calls were made.
    Returns the last answer plus ``attempts``, ``statuses`` (every answer in order),
    ``tried_at`` (when each attempt started, wall clock) and ``latency_ms`` = the whole wait
    the client saw, retries and backoff included."""
    rng = rng or random.Random()
    started, started_at, statuses, tried_at = time.perf_counter(), time.time(), [], []
    for attempt in range(max_attempts):
        answer = call()
        statuses.append(answer["status"])
        tried_at.append(answer.get("started_at", time.time()))
        if answer["status"] not in retry_on or attempt == max_attempts - 1:
            break
        sleep(backoff_delay(attempt, base_s, cap_s, rng))
    return {**answer, "attempts": len(statuses), "statuses": statuses, "tried_at": tried_at,
            "started_at": started_at, "latency_ms": (time.perf_counter() - started) * 1000}


# ---------------------------------------------------------------- the price model
def monthly_api_price(requests_per_month: float, kind: str) -> float:
    """Modelled API Gateway request price per month (us-east-1 list prices in labkit.cost,
    tiers included, free tier not applied): kind "rest" ($3.50 per million for the first
    333M) or "http" ($1.00 per million for the first 300M, requests of up to 512 KB)."""
    return api_gateway_cost(requests_per_month, kind=kind).total_usd


def price_comparison(workloads: dict[str, float]) -> pd.DataFrame:
    """One row per workload (name -> requests per month): REST and HTTP API monthly price
    and what switching saves. Source of the prices: PRICE_SOURCE."""
    rows = []
    for name, requests in workloads.items():
        rest, http = monthly_api_price(requests, "rest"), monthly_api_price(requests, "http")
        rows.append({"workload": name, "requests/month": requests, "REST API $": round(rest, 2),
                     "HTTP API $": round(http, 2), "saved $": round(rest - http, 2),
                     "saved %": round(100 * (rest - http) / rest, 1) if rest else 0.0})
    return pd.DataFrame(rows)


PRICE_SOURCE = API_GATEWAY_PRICING


# ---------------------------------------------------------------- plots
def plot_latency_groups(groups: dict[str, Sequence[float]], timing: str, title: str):
    """One row of dots per group (each dot one request's latency, log scale), with the
    group's p50 and p99 marked: the shape of a distribution, not just its average."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.8 * len(groups)))
    rng = np.random.default_rng(0)
    for row, (label, values) in enumerate(groups.items()):
        values = np.asarray(list(values), dtype=float)
        if not len(values):
            continue
        ax.scatter(values, row + rng.uniform(-0.18, 0.18, len(values)), s=14, alpha=0.6)
        p50, p99 = percentile(values, 50), percentile(values, 99)
        ax.plot([p50, p50], [row - 0.3, row + 0.3], color="black", lw=2)
        ax.plot([p99, p99], [row - 0.3, row + 0.3], color="tab:red", lw=2)
        ax.annotate(f"p50 {p50:,.0f}  p99 {p99:,.0f} ms", (p99, row + 0.32), fontsize=8,
                    ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_yticks(range(len(groups)), [f"{k} (n={len(list(v))})" for k, v in groups.items()])
    ax.set_ylim(-0.6, len(groups) - 0.3)
    ax.set_xlabel(f"latency seen by the caller, ms, log scale ({timing}); black p50, red p99")
    ax.set_title(title)
    return fig


def plot_retry_timeline(frame: pd.DataFrame, timing: str, title: str):
    """Left: every attempt of every request (y) over time (x), coloured by its answer.
    Right: requests completed over time. ``frame`` rows come from with_retries (tried_at,
    statuses) inside send_burst."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    start = min(min(t) for t in frame["tried_at"])
    seen = set()
    for row in frame.itertuples():
        for at, status in zip(row.tried_at, row.statuses):
            label = None if status in seen else str(status)
            seen.add(status)
            left.scatter(at - start, row.i, s=10, color=STATUS_COLOURS.get(status, "tab:gray"),
                         label=label)
    left.set_xlabel(f"seconds after the burst started ({timing})")
    left.set_ylabel("request")
    left.legend(title="answer", fontsize=8, loc="lower right")
    left.set_title(title, fontsize=10)
    done = sorted(row.ended_at - start for row in frame.itertuples() if row.status < 400)
    right.step(done, range(1, len(done) + 1), where="post")
    right.set_xlabel(f"seconds after the burst started ({timing})")
    right.set_ylabel("requests answered 2xx")
    right.set_ylim(0, len(frame) * 1.05)
    right.set_title(f"{len(done)} of {len(frame)} done", fontsize=10)
    return fig
