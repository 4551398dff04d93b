"""Helpers for lesson 01 (the queue processor): waiting for the handler's log lines, reading a
dead-letter queue, the lesson's three figures and the controls of its batching experiment.

The experiments themselves (queues, mapping settings, what is sent, what is asserted) stay in
the notebook. matplotlib and ipywidgets are imported when something is drawn, so importing
this module changes nothing (labkit.lessons.figures patches matplotlib when first imported).
"""
from __future__ import annotations

import time
from typing import Callable

from labkit.lessons.controls import show_controls
from labkit.lessons.errors_lesson import read_all
from labkit.lessons.logs import read_json_lines
from labkit.lessons.polling import wait_until


def wait_for_processed(logs, function: str, since: float, run: str, count: int,
                       timeout: float = 60.0):
    """The handler's "processed" lines of messages sent with `"run": run`, once there are at
    least `count` of them (logs arrive asynchronously); a DataFrame."""
    def enough():
        lines = read_json_lines(logs, function, since, kind="processed")
        mine = lines[lines["run"] == run] if len(lines) else lines
        return (mine,) if len(mine) >= count else None   # a 1-tuple: DataFrames have no truth value

    return wait_until(enough, timeout=timeout, interval=0.5, what=f"{count} messages of run {run}")[0]


def dead_lettered_ids(sqs, dlq_url: str) -> list[str]:
    """The "id" of every message in the dead-letter queue, sorted; the queue is emptied."""
    return sorted(message["body"]["id"] for message in read_all(sqs, dlq_url))


class QuietPeriod:
    """Has a count stopped changing for `quiet_s`? Feed it the count now and then:

        quiet = QuietPeriod(5); quiet.settled(1) ... quiet.settled(2) ... -> True 5 s after the 2

    An empty queue does not mean the work is over: a poller that received the message earlier
    may still be initialising or working. No new log line for that long does."""

    def __init__(self, quiet_s: float, clock: Callable[[], float] = time.monotonic):
        self.quiet_s, self.clock = quiet_s, clock
        self.count: int | None = None
        self.changed_at = clock()

    def settled(self, count: int) -> bool:
        if count != self.count:
            self.count, self.changed_at = count, self.clock()
        return count > 0 and self.clock() - self.changed_at > self.quiet_s


def wait_for_last_delivery(logs, function: str, since: float, quiet_s: float,
                           timeout: float = 90.0) -> None:
    """Wait until the function has logged a "processed" line and then none for `quiet_s`."""
    quiet = QuietPeriod(quiet_s)
    wait_until(lambda: quiet.settled(len(read_json_lines(logs, function, since, kind="processed"))),
               timeout=timeout, interval=0.5, what=f"{function} to finish every delivery")


def plot_batching(results: list[dict]) -> None:
    """Invocations (left) and median/max send-to-processed latency (right, log scale) of every
    batching configuration run so far."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from labkit.lessons.figures import show_figure

    frame = pd.DataFrame(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    left.bar(frame.index, frame["invocations"], color="tab:blue")
    left.set_xticks(frame.index, frame["config"], fontsize=8)
    left.set_ylabel("invocations"); left.set_title(f"invocations for {frame.messages.iloc[-1]} messages")
    right.bar(frame.index - 0.2, frame["median_latency_ms"], width=0.4, label="median")
    right.bar(frame.index + 0.2, frame["max_latency_ms"], width=0.4, label="max")
    right.set_xticks(frame.index, frame["config"], fontsize=8)
    right.set_yscale("log")   # a few ms without a window, seconds with one
    right.set_ylabel("send → processed (ms, log scale)"); right.set_title("end-to-end latency")
    right.legend()
    show_figure(fig)   # this figure, even if another callback is drawing


def plot_times_processed(table, bad_id: str) -> None:
    """Bars: how many times each message was processed, naive handler against partial batch
    responses. `table`: one row per message id, columns "naive" and "partial"."""
    import matplotlib.pyplot as plt
    import numpy as np

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(9, 3))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["naive"], width=0.4, label="naive (raise)", color="tab:red")
    ax.bar(x + 0.2, table["partial"], width=0.4, label="ReportBatchItemFailures", color="tab:green")
    ax.set_xticks(x, table.index); ax.set_ylabel("times processed")
    ax.axhline(1, color="grey", lw=0.8, ls=":")
    ax.set_title(f"How many times each message was processed ({bad_id} can never succeed)")
    ax.legend()
    show_figure(fig)


def plot_deliveries(variants: dict, started: float) -> None:
    """One timeline per variant: every invocation that held the message (grey hatched: the
    environment's init, when it ran just before; orange: the handler) and, dashed red, each
    moment the visibility timeout expired. `variants`: name -> {"runs", "inits", "visibility_s"}
    (the handler's "invocation" and "init" lines); times in s after `started`."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, axes = plt.subplots(len(variants), 1, figsize=(10, 3.6), sharex=True)
    for ax, (variant, v) in zip(axes, variants.items()):
        for row, run in enumerate(v["runs"].itertuples()):
            init = v["inits"][v["inits"]["environment"] == run.environment]
            # the environment's init belongs to this invocation if it ended just before it
            if len(init) and init["ended"].iloc[0] <= run.started + 0.5:
                ax.barh(row, init["ended"].iloc[0] - init["started"].iloc[0],
                        left=init["started"].iloc[0] - started, color="lightgrey", hatch="//",
                        edgecolor="grey")
            ax.barh(row, run.ended - run.started, left=run.started - started, color="tab:orange")
        for k in range(1, 4):
            ax.axvline(k * v["visibility_s"], color="tab:red", ls="--", lw=0.8)
        ax.set_ylabel(variant); ax.set_yticks([])
    axes[0].set_title("invocations holding order-42 (grey: init, orange: handler); "
                      "red: visibility timeout expiries")
    axes[-1].set_xlabel("seconds after SendMessage"); axes[-1].set_xlim(0, 12)
    show_figure(fig)


def batching_controls(run: Callable[[int, int, int], None]) -> None:
    """Sliders for BatchSize, the batching window and the send rate, and a Run button;
    `run(batch_size, window_s, per_second)` draws into the output below them (what it prints,
    and a failed assert, stay there). Shown, and run once."""
    import ipywidgets as widgets

    show_controls([widgets.IntSlider(value=5, min=1, max=50, description="BatchSize"),
                   widgets.IntSlider(value=1, min=0, max=3, description="window (s)"),
                   widgets.IntSlider(value=20, min=5, max=50, description="messages/s")],
                  run, label="Run and add to plot")
