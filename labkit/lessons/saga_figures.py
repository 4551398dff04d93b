"""Lesson 05's figures and its widget: an execution's history as a timeline, what a refund paid
back, the Step Functions price curves, and the controls that run one saga with a chosen failure.

matplotlib and ipywidgets load when a function is first called, so importing this module (or
saga_lesson, which the lab checks use) draws and displays nothing.
"""
from __future__ import annotations

from typing import Callable, Iterable

import pandas as pd

from labkit import cost
from labkit.lessons.controls import show_controls

OUTCOME_COLOURS = {"succeeded": "tab:green", "failed": "tab:red", "timed out": "tab:orange",
                   "entered": "tab:grey"}


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


def timeline_figure(events: list[dict], compensations: list[str], title: str):
    """The execution's history drawn as a timeline (saga_lesson.plot_timeline). -> the Figure."""
    from labkit.lessons.saga_lesson import execution_timeline

    return plot_timeline(execution_timeline(events), compensations, title=title).figure


def plot_refunds(refunds: pd.DataFrame):
    """One bar per refund implementation: what the customer got back, against the amount
    charged (dashed). -> the Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.barh(refunds["refund"], refunds["customer got back"], color=["tab:red", "tab:green"])
    ax.axvline(refunds["charged"].iloc[0], color="black", ls="--", lw=1, label="amount charged")
    ax.set_xlabel("refunded to the customer")
    ax.legend(fontsize=8)
    ax.set_title("one charge, one lost answer, one retry")
    return fig


def plot_step_functions_cost(booked_transitions: int, booked_ms: float):
    """Monthly cost (modelled, log-log) against executions per month: Standard at this saga's
    transitions and at seed 004's 50, Express at `booked_ms` and 64 MB. -> the Figure."""
    import matplotlib.pyplot as plt

    executions = [10_000 * 2 ** k for k in range(11)]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(executions, [cost.step_functions_standard_cost(n * booked_transitions, free_tier=False).total_usd
                         for n in executions], marker="o", label=f"Standard ({booked_transitions} transitions)")
    ax.plot(executions, [cost.step_functions_standard_cost(n * 50, free_tier=False).total_usd
                         for n in executions], marker="o", label="Standard (50 transitions, seed 004)")
    ax.plot(executions, [cost.step_functions_express_cost(n, duration_ms=booked_ms).total_usd
                         for n in executions], marker="o", label="Express (1 s, 64 MB)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("executions per month")
    ax.set_ylabel("USD per month (modelled)")
    ax.legend(fontsize=8)
    ax.set_title("Step Functions cost")
    return fig


def display_saga_widget(forward_states: list[str], show: Callable[[str, str], None],
                        step: str = "ConfirmBooking", how: str = "error") -> None:
    """Display a dropdown (which forward state fails, or "(none)"), toggle buttons (error or
    timeout) and a "Run the saga" button; a click calls `show(step, how)` into the output below
    them, cleared first. It runs once now, as if clicked, so the first saga is drawn."""
    import ipywidgets as widgets

    show_controls([widgets.Dropdown(options=["(none)", *forward_states], value=step, description="fails at"),
                   widgets.ToggleButtons(options=["error", "timeout"], value=how, description="how")],
                  show, label="Run the saga")
