"""Helpers for lesson 06 (cold starts) and its lab: traffic shapes, timed invocations, and
the small models the measurements are compared with.

Everything that touches the backend takes a plain boto3 Lambda client, so it behaves the
same on the embedded backend, on LocalStack and on AWS. The request id Lambda returns in
the ``x-amzn-RequestId`` header is the ``RequestId`` of the invocation's REPORT line, which
is how a caller-side latency is joined to "was this a cold start?" (``join_reports``).
"""
from __future__ import annotations

import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

# How long an idle environment survives is not documented ("a non-deterministic period",
# AWS Lambda Operator Guide, "Lambda execution environments"). Seed 002 and the warming
# pings of seeds 003/004 use 5 minutes, and the embedded backend reaps after 300 s.
KEEP_ALIVE_MIN = 5.0

# Seed 004 (the "$20,400 a month" article), cold-start latency measured on AWS in late 2025,
# p50 / p99 in ms. Real-AWS figures, quoted as published.
SEED_004_COLD_STARTS = pd.DataFrame(
    [("Node.js 20", 128, 320, 890), ("Node.js 20", 512, 180, 410),
     ("Node.js 20", 1024, 120, 280), ("Node.js 20", 1769, 95, 210),
     ("Python 3.12", 128, 380, 1100), ("Python 3.12", 512, 210, 520),
     ("Python 3.12", 1024, 140, 340), ("Java 21", 512, 3200, 8400),
     ("Java 21", 1024, 1800, 4200), (".NET 8", 512, 680, 1800), (".NET 8", 1024, 420, 980)],
    columns=["runtime", "memory_mb", "p50_ms", "p99_ms"])


def timed_invoke(lam, function_name: str, event: Any = None,
                 qualifier: str | None = None) -> dict[str, Any]:
    """Invoke synchronously; return request_id, latency_ms (seen by the caller), result, error."""
    kwargs: dict[str, Any] = {"FunctionName": function_name,
                              "Payload": json.dumps(event or {}).encode()}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    started = time.perf_counter()
    response = lam.invoke(**kwargs)
    body = response["Payload"].read()
    latency_ms = (time.perf_counter() - started) * 1000
    result = json.loads(body) if body else None
    # The embedded backend sends the invocation's id and moto's own request id, which
    # botocore joins with ", "; AWS sends one. The invocation's id comes first.
    request_id = response["ResponseMetadata"]["RequestId"].split(",")[0].strip()
    return {"request_id": request_id, "latency_ms": latency_ms,
            "result": result, "error": response.get("FunctionError")}


def burst(call: Callable[[int], dict], n: int) -> list[dict]:
    """``n`` calls released at the same moment (a barrier), each on its own thread.

    Returns call(i)'s dicts in order of i. This is "n concurrent requests": Lambda needs n
    execution environments for them, one invocation per environment."""
    gate = threading.Barrier(n) if n > 1 else None

    def one(i: int) -> dict:
        if gate is not None:
            gate.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=max(1, n)) as pool:
        return list(pool.map(one, range(n)))


def ramp_arrivals(start_rate: float, end_rate: float, seconds: float, seed: int = 0) -> list[float]:
    """Arrival times (s) of random traffic whose rate rises linearly from start_rate to
    end_rate requests/s: a Monday 9 AM ramp, scaled down (Poisson process, by thinning)."""
    if seconds <= 0 or start_rate < 0 or end_rate < 0 or max(start_rate, end_rate) == 0:
        raise ValueError("need seconds > 0 and non-negative rates, not both zero")
    rng = np.random.default_rng(seed)
    peak = max(start_rate, end_rate)
    times, t = [], 0.0
    while True:
        t += rng.exponential(1 / peak)
        if t > seconds:
            return times
        rate = start_rate + (end_rate - start_rate) * t / seconds
        if rng.random() < rate / peak:
            times.append(t)


def fire_at(call: Callable[[int], dict], arrival_times: Sequence[float],
            max_workers: int = 64) -> list[dict]:
    """Call ``call(i)`` at each arrival time (s from now) on a thread pool; each returned
    dict gets ``sent_s``, when the request actually left. Requests do not wait for each
    other: a slow (cold) one does not delay the next arrival, as with real users."""
    sent: dict[int, float] = {}

    def one(i: int) -> dict:
        row = call(i)
        row["sent_s"] = sent[i]
        return row

    start = time.perf_counter()
    futures = []
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for i, at in enumerate(arrival_times):
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # scheduling the next arrival, not waiting for a result
            sent[i] = time.perf_counter() - start
            futures.append(pool.submit(one, i))
        return [f.result() for f in futures]


def join_reports(calls: Sequence[dict] | pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Caller-side rows (with request_id) joined to their REPORT lines: adds cold, init_ms,
    duration_ms, billed_ms, log_stream. Every call must have its REPORT line."""
    frame = pd.DataFrame(calls)
    columns = ["request_id", "cold", "init_ms", "duration_ms", "billed_ms", "log_stream"]
    joined = frame.merge(reports[columns], on="request_id", how="left", validate="one_to_one")
    missing = joined["cold"].isna().sum()
    if missing:
        raise ValueError(f"{missing} call(s) have no REPORT line (wait for the logs first)")
    joined["cold"] = joined["cold"].astype(bool)
    return joined


def latency_summary(frame: pd.DataFrame, column: str = "latency_ms") -> pd.DataFrame:
    """Count, p50 and p99 of ``column`` for cold and warm requests and for all of them."""
    rows = []
    for label, part in (("cold", frame[frame["cold"]]), ("warm", frame[~frame["cold"]]),
                        ("all", frame)):
        values = part[column].to_numpy(dtype=float)
        rows.append({"requests": label, "count": len(values),
                     "p50_ms": float(np.percentile(values, 50)) if len(values) else math.nan,
                     "p99_ms": float(np.percentile(values, 99)) if len(values) else math.nan})
    return pd.DataFrame(rows).set_index("requests")


def environments_left(idle_min: float, warm_before: int, keep_alive_min: float = KEEP_ALIVE_MIN,
                      warming_ping: bool = False) -> int:
    """Model: warm on-demand environments still there after ``idle_min`` minutes without
    traffic. All survive a gap shorter than the keep-alive; none survive a longer one,
    except the one a warming ping (every keep-alive minutes) keeps alive."""
    if idle_min < keep_alive_min:
        return warm_before
    return min(1, warm_before) if warming_ping else 0


def expected_cold_share(burst_size: int, provisioned: int = 0, warm: int = 0) -> float:
    """Model: a burst of ``burst_size`` concurrent requests is served first by provisioned
    environments, then by warm on-demand ones; every request left over cold-starts."""
    if burst_size <= 0:
        raise ValueError("burst_size must be > 0")
    return max(0, burst_size - max(0, provisioned) - max(0, warm)) / burst_size
