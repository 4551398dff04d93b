"""Helpers for lesson 06 (cold starts) and its lab: traffic shapes, timed invocations, the
small models the measurements are compared with, and the lesson's figures and widget.

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

from labkit.lessons.controls import show_controls

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


def joined_with_reports(logs, function_name: str, calls: Sequence[dict], since: float) -> pd.DataFrame:
    """``calls`` (from timed_invoke) joined to their REPORT lines, once those have arrived:
    logs reach CloudWatch asynchronously on AWS."""
    from labkit.lessons.logs import wait_for_reports

    return join_reports(calls, wait_for_reports(logs, function_name, len(calls), since=since))


def slowest_imports(importtime_output: str, n: int = 8) -> pd.DataFrame:
    """The ``n`` imports with the largest cumulative time in what ``python -X importtime``
    writes to stderr, kept in import order so that the indentation still shows who imported
    whom. Its lines are "import time: <self us> | <cumulative us> | <indented module>"."""
    rows = [line.split("|") for line in importtime_output.splitlines()
            if line.startswith("import time:")][1:]  # the first line is the column header
    frame = pd.DataFrame([{"module (indented = imported by the one above)": r[2][1:].rstrip(),
                           "cumulative_ms": int(r[1]) / 1000} for r in rows])
    return frame.nlargest(n, "cumulative_ms").sort_index().reset_index(drop=True)


# -- provisioned concurrency plumbing ----------------------------------------------------------

def provisioned_ready(lam, function_name: str, qualifier: str = "live",
                      timeout: float = 120.0) -> dict:
    """Wait until the provisioned environments of ``qualifier`` are READY; -> the status. AWS
    takes minutes to get there; the embedded backend about a second."""
    deadline = time.monotonic() + timeout
    while True:
        status = lam.get_provisioned_concurrency_config(FunctionName=function_name,
                                                        Qualifier=qualifier)
        if status["Status"] == "READY":
            return status
        if status["Status"] == "FAILED" or time.monotonic() > deadline:
            raise RuntimeError(f"provisioned concurrency not ready: {status}")
        time.sleep(0.5)


def remove_provisioned_concurrency(lam, function_name: str, qualifier: str = "live") -> None:
    """Stop paying for the provisioned environments of ``qualifier``, if it has any."""
    # Listed first rather than deleted blindly: for a missing config AWS documents
    # ResourceNotFoundException, the embedded backend answered another code, and for an alias
    # that does not exist yet it answered HTTP 500.
    configs = lam.list_provisioned_concurrency_configs(
        FunctionName=function_name)["ProvisionedConcurrencyConfigs"]
    if any(c["FunctionArn"].endswith(f":{qualifier}") for c in configs):
        lam.delete_provisioned_concurrency_config(FunctionName=function_name, Qualifier=qualifier)


def fresh_environments(lam, function_name: str, memory_mb: int, provisioned: int,
                       alias: str = "live") -> str | None:
    """Discard every environment of the function and set it up for one experiment: memory,
    and ``provisioned`` environments on ``alias`` (a new version), as in section 4. Returns
    the qualifier to invoke: ``alias``, or None ($LATEST, on demand) when provisioned is 0."""
    from labkit.lessons.cold_start import force_cold_start

    lam.update_function_configuration(FunctionName=function_name, MemorySize=memory_mb)
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    force_cold_start(lam, function_name)             # a new configuration: new environments
    if provisioned == 0:
        remove_provisioned_concurrency(lam, function_name, alias)   # an earlier run's
        return None
    version = lam.publish_version(FunctionName=function_name)["Version"]
    try:
        lam.update_alias(FunctionName=function_name, Name=alias, FunctionVersion=version)
    except lam.exceptions.ResourceNotFoundException:
        lam.create_alias(FunctionName=function_name, Name=alias, FunctionVersion=version)
    lam.put_provisioned_concurrency_config(FunctionName=function_name, Qualifier=alias,
                                           ProvisionedConcurrentExecutions=provisioned)
    provisioned_ready(lam, function_name, alias)
    return alias


# -- the lesson's figures and widget (matplotlib and ipywidgets load only when one is drawn) ---

def plot_init_study(table: pd.DataFrame, rounds: int, emulated: str = "") -> None:
    """Stacked bars per (variant, request): the handler's Duration, Init Duration on top."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(9, 3.4))
    labels = [f"{v}\n{r}" for v, r in table.index]
    ax.bar(labels, table["duration_ms"], color="tab:blue", label="Duration (handler)")
    ax.bar(labels, table["init_ms"].fillna(0), bottom=table["duration_ms"], color="tab:orange",
           label="Init Duration")
    ax.set_ylabel(f"ms, median of {rounds} rounds{emulated}")
    ax.set_title("Eager: every cold start pays for the SDK. Lazy: only the first export does.")
    ax.legend()
    ax.tick_params(axis="x", labelsize=8)
    show_figure(fig)


def plot_timelines(*panels: tuple[pd.DataFrame, str]) -> None:
    """One scatter per (frame, title), side by side: each request's latency at the time it
    was sent, red when it was a cold start."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, axes = plt.subplots(1, len(panels), figsize=(9 if len(panels) == 1 else 11, 3.2),
                             sharey=True, squeeze=False)
    for ax, (frame, title) in zip(axes[0], panels):
        ax.scatter(frame["sent_s"], frame["latency_ms"], s=18,
                   c=np.where(frame["cold"], "tab:red", "tab:blue"))
        ax.set_xlabel("request sent at (s)")
        ax.set_ylabel("latency seen by the caller (ms)")
        ax.set_title(title, fontsize=10)
    show_figure(fig)


def plot_memory_sweep(sweep: pd.DataFrame, emulated: str = "") -> None:
    """Three panels against memory: Duration with the CPU-share model, the CPU share while the
    handler runs, and Init Duration next to seed 004's real-AWS Python cold starts."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    python_aws = SEED_004_COLD_STARTS[SEED_004_COLD_STARTS.runtime == "Python 3.12"]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 3.4))
    left.plot(sweep.memory_mb, sweep.duration_ms, "o-", label=f"Duration{emulated}")
    left.plot(sweep.memory_mb, sweep.cpu_ms.median() / sweep.model_share, "--", color="grey",
              label="model: CPU work / (memory / 1,769)")
    left.set_ylabel("ms")
    left.set_title("CPU-bound handler", fontsize=10)
    middle.plot(sweep.memory_mb, sweep.cpu_share, "o-", label=f"measured{emulated}")
    middle.plot(sweep.memory_mb, sweep.model_share, "--", color="grey", label="AWS: memory / 1,769")
    middle.set_ylabel("share of one vCPU")
    middle.set_title("CPU share while the handler runs", fontsize=10)
    right.plot(sweep.memory_mb, sweep.init_ms, "o-", label=f"Init Duration, boto3 import{emulated}")
    right.plot(python_aws.memory_mb, python_aws.p50_ms, "s--", color="tab:green",
               label="real AWS, Python 3.12 cold start p50 (seed 004)")
    right.set_ylabel("ms")
    right.set_ylim(bottom=0)
    right.set_title("Init Duration vs memory: no trend here (emulated)", fontsize=10)
    for ax in (left, middle, right):
        ax.set_xlabel("memory (MB)")
        ax.legend(fontsize=8)
    show_figure(fig)


def plot_bursts(results: dict[int, tuple[pd.DataFrame, float]], burst_size: int, provisioned: int,
                memory_mb: int, idle_min: float, emulated: str = "") -> None:
    """Left: the latency histogram of the largest burst (cold red, warm blue, p50/p99 lines).
    Right: the measured cold-start share of each burst size against the model's."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    largest, _ = results[burst_size]
    summary = latency_summary(largest)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6))
    bins = np.linspace(0, largest.latency_ms.max() * 1.05, 25)
    for label, colour in (("warm", "tab:blue"), ("cold", "tab:red")):
        part = largest[largest.cold == (label == "cold")]
        left.hist(part.latency_ms, bins=bins, color=colour, alpha=0.8, label=f"{label} ({len(part)})")
    for stat, style in (("p50_ms", "-"), ("p99_ms", "--")):
        left.axvline(summary.loc["all", stat], color="black", linestyle=style,
                     label=f"{stat[:3]} {summary.loc['all', stat]:.0f} ms")
    left.set_xlabel(f"latency (ms){emulated}")
    left.set_ylabel("requests")
    left.legend(fontsize=8)
    left.set_title(f"burst of {burst_size}, {provisioned} provisioned, {memory_mb} MB, "
                   f"idle {idle_min:g} min", fontsize=10)
    sizes = sorted(results)
    shown = np.arange(1, max(sizes) + 1)
    model = [expected_cold_share(n, provisioned, environments_left(idle_min, warm_before=n))
             for n in shown]
    right.plot(shown, model, "--", color="grey", label="model")
    right.plot(sizes, [results[s][0].cold.mean() for s in sizes], "o", color="tab:red",
               markersize=8, label="measured")
    right.axhline(0.28, color="tab:orange", linestyle=":", label="seed 003: 28 % (real AWS)")
    right.set_ylim(-0.05, 1.05)
    right.set_xlabel("burst size (concurrent requests)")
    right.set_ylabel("cold-start share")
    right.legend(fontsize=8)
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)


def burst_controls(play: Callable[..., Any]) -> None:
    """Sliders for ``play(burst_size, provisioned, memory_mb, idle_min)`` and a Run button;
    each run replaces the last one's output. Runs once with the defaults."""
    import ipywidgets as widgets

    controls = dict(
        burst_size=widgets.IntSlider(value=8, min=1, max=24, description="burst size"),
        provisioned=widgets.IntSlider(value=3, min=0, max=24, description="provisioned"),
        memory_mb=widgets.SelectionSlider(options=[128, 256, 512, 1024, 1769], value=512,
                                          description="memory (MB)",
                                          style={"description_width": "initial"}),
        idle_min=widgets.FloatSlider(value=10, min=0, max=30, step=1, description="idle (min)"),
    )
    show_controls(list(controls.values()), lambda *values: play(**dict(zip(controls, values))),
                  label="Run burst", per_row=2)
