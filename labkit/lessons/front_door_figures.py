"""Lesson 10's figures and its widget: request latencies as dots with their p50 and p99, every
attempt of a burst sent with retries, and the controls of the throttling experiment.

matplotlib and ipywidgets load when a function is first called, so importing this module draws
and displays nothing.
"""
from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd

from labkit.lessons.controls import show_controls
from labkit.lessons.front_door_lesson import STATUS_COLOURS, latencies, percentile


def plot_latency_groups(groups: dict[str, pd.DataFrame | Sequence[float]], timing: str, title: str):
    """One row of dots per group (each dot one request's latency, log scale), with the
    group's p50 and p99 marked: the shape of a distribution, not just its average. A group is
    its latencies, or a burst's rows (their latency_ms)."""
    import matplotlib.pyplot as plt
    import numpy as np

    groups = {label: latencies(values) for label, values in groups.items()}
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.8 * len(groups)))
    rng = np.random.default_rng(0)
    for row, (label, values) in enumerate(groups.items()):
        values = np.asarray(values, dtype=float)
        if not len(values):
            continue
        ax.scatter(values, row + rng.uniform(-0.18, 0.18, len(values)), s=14, alpha=0.6)
        p50, p99 = percentile(values, 50), percentile(values, 99)
        ax.plot([p50, p50], [row - 0.3, row + 0.3], color="black", lw=2)
        ax.plot([p99, p99], [row - 0.3, row + 0.3], color="tab:red", lw=2)
        ax.annotate(f"p50 {p50:,.0f}  p99 {p99:,.0f} ms", (p99, row + 0.32), fontsize=8,
                    ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_yticks(range(len(groups)), [f"{k} (n={len(v)})" for k, v in groups.items()])
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


def show_throttle_controls(run: Callable[[int, int, int], None], rate: int, burst_limit: int,
                           requests: int) -> None:
    """The throttling widget: sliders for the route's rate per second, its burst limit and the
    requests in the burst (starting at the values the lesson measured; ranges wide enough to see
    no 429 at all, and retries that run out), and a button that calls run(rate, burst limit,
    requests)."""
    import ipywidgets as widgets

    show_controls([widgets.IntSlider(value=rate, min=1, max=max(40, 2 * rate), description="rate /s"),
                   widgets.IntSlider(value=burst_limit, min=1, max=max(40, 2 * burst_limit),
                                     description="burst limit"),
                   widgets.IntSlider(value=requests, min=10, max=80, step=10, description="requests")],
                  run, label="Throttle and plot")
