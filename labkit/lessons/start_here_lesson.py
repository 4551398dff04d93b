"""Helpers for lesson 00 (start here): overlapping invocations, the idle-reaping model, the
lesson's two figures and the controls of its reaping experiment.

The experiments themselves (what is invoked, when a cold start is forced, what is asserted)
stay in the notebook; this module only draws, wires widgets and runs calls side by side.
matplotlib and ipywidgets are imported when something is drawn, so importing this module
changes nothing (labkit.lessons.figures patches matplotlib when it is first imported).
"""
from __future__ import annotations

import math
from typing import Any, Callable

from labkit.lessons.cold_start_lesson import burst
from labkit.lessons.controls import show_controls
from labkit.lessons.invoking import invoke


def invoke_at_once(lam, function: str, n: int, event: Any = None) -> list:
    """`n` invocations released at the same moment (one thread each, behind a barrier, so they
    really overlap); -> the handlers' answers, in order."""
    return burst(lambda _: invoke(lam, function, event)[0], n)


def modelled_cold_share(keep_alive_min: float, mean_interval_min: float) -> float:
    """Model: with random (Poisson) arrivals the gap before a request exceeds the keep-alive,
    so it finds its environment reaped, with probability e^(-keep-alive / mean interval)."""
    if mean_interval_min <= 0:
        raise ValueError("the mean interval must be > 0")
    return math.exp(-keep_alive_min / mean_interval_min)


def plot_setup_placement(setup) -> None:
    """Duration per invocation, with Init Duration stacked on top (hatched), for the setup done
    inside the handler and at module level. `setup`: REPORT rows with placement and call."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(8, 3.2))
    for offset, colour, (label, group) in zip((-0.2, 0.2), ("tab:blue", "tab:green"),
                                              setup.groupby("placement", sort=False)):
        ax.bar(group["call"] + offset, group["duration_ms"], width=0.4, color=colour,
               label=f"{label}: Duration")
        ax.bar(group["call"] + offset, group["init_ms"].fillna(0), width=0.4,
               bottom=group["duration_ms"], color="white", edgecolor=colour, hatch="//",
               label=f"{label}: Init Duration")
    ax.set_xlabel("invocation"); ax.set_ylabel("ms"); ax.legend(fontsize=8)
    ax.set_title("The same 300 ms of setup: paid every call, or once per environment")
    show_figure(fig)


def plot_reaping(frame, mean_interval_min: float, keep_alive_min: float) -> None:
    """Left: each request's measured round trip, red when it cold-started. Right: the modelled
    cold-start fraction against keep-alive / mean interval, and where this run landed."""
    import matplotlib.pyplot as plt
    import numpy as np

    from labkit.lessons.figures import show_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [3, 2]})
    colours = np.where(frame["cold"], "tab:red", "tab:blue")
    left.bar(frame["request"], frame["round_trip_ms"], color=colours)
    left.set_xlabel("request"); left.set_ylabel("round trip (ms, measured)")
    left.set_title(f"red = cold start ({frame.cold.mean():.0%} of requests; reaping modelled)")
    ratios = np.linspace(0.1, 4, 80)
    right.plot(ratios, [modelled_cold_share(r, 1.0) for r in ratios], "--", color="grey",
               label="model: e^(-keep-alive/interval)")
    # request 1 always finds no environment: it says nothing about reaping
    right.plot(keep_alive_min / mean_interval_min, frame["cold"].iloc[1:].mean(), "o",
               color="tab:red", label="this run (excluding request 1)")
    right.set_xlabel("keep-alive / mean interval"); right.set_ylabel("cold-start fraction")
    right.legend(fontsize=8); right.set_ylim(-0.05, 1.05)
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)


def reaping_controls(run: Callable[[float, float, int], None]) -> None:
    """Sliders for the mean interval, the keep-alive and the number of requests, and a Run
    button; `run(mean_interval_min, keep_alive_min, requests)` draws into the output below
    them (what it prints, and a failed assert, stay there). Shown, and run once."""
    import ipywidgets as widgets

    wide_label = {"description_width": "initial"}
    show_controls([widgets.FloatSlider(value=6, min=0.5, max=30, step=0.5,
                                       description="mean interval (min)", style=wide_label),
                   widgets.FloatSlider(value=5, min=1, max=20, step=1,
                                       description="keep-alive (min)", style=wide_label),
                   widgets.IntSlider(value=12, min=5, max=30, description="requests")],
                  run, per_row=2)
