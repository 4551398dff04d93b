"""Lesson 12's canary on screen: the plot of one run (requests per time window, by version and
outcome), the report under the controls (the rollout's steps, the counts, the modelled blast
radius, the plot), and the controls themselves.

    canary_controls(release_with_canary, per_second=20, timing="emulated", weight=0.10, bug_percent=50)
    show_canary_run(result, per_second=20, timing="emulated")   # what each click shows

matplotlib and ipywidgets load when something is drawn, so importing this module displays nothing.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from labkit.lessons.controls import show_controls
from labkit.lessons.iac_lesson import blast_radius

AWS_ALARM_PERIOD_S = 60   # Lambda's metrics reach CloudWatch once a minute: the least an alarm waits on AWS


def requests_per_bin(frame: pd.DataFrame, new: str, bin_s: float = 0.5) -> pd.DataFrame:
    """Requests sent in each ``bin_s`` window: served by any other version ("stable"), by
    ``new`` successfully ("new ok") or with an error ("new failed")."""
    columns = ["stable", "new ok", "new failed"]
    if frame.empty:
        return pd.DataFrame(columns=columns, dtype=int)
    kind = frame.apply(lambda r: "stable" if r["version"] != new else "new ok" if r["ok"] else "new failed",
                       axis=1)
    start = (frame["t"] // bin_s) * bin_s
    counts = pd.crosstab(start.rename("bin start (s)"), kind).reindex(columns=columns, fill_value=0)
    every = [round(i * bin_s, 9) for i in range(int(start.max() / bin_s + 1.5))]
    counts.index = counts.index.map(lambda v: round(v, 9))
    return counts.reindex(every, fill_value=0).astype(int)


def rollout_steps(events: dict[str, float]) -> pd.DataFrame:
    """The rollout's events in order: when each happened, and the time since the one before."""
    steps = pd.DataFrame({"t (s)": events}).sort_values("t (s)").round(2)
    steps["since the previous step (s)"] = steps["t (s)"].diff().round(2)
    return steps


def plot_canary(frame: pd.DataFrame, events: dict[str, float], stable: str, new: str,
                threshold: float, title: str, timing: str, bin_s: float = 0.5):
    """Requests per version over time (stacked bars), failures in red, the new version's failures
    summed below with the alarm threshold, and every event of the rollout as a line."""
    import matplotlib.pyplot as plt

    bins = requests_per_bin(frame, new, bin_s)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1.4]})
    x, base = bins.index.to_numpy(dtype=float), 0
    for column, color, label in (("stable", "tab:blue", f"version {stable}"),
                                 ("new ok", "tab:orange", f"version {new}: ok"),
                                 ("new failed", "tab:red", f"version {new}: error")):
        top.bar(x, bins[column], width=bin_s, align="edge", bottom=base, color=color, label=label)
        base = base + bins[column].to_numpy()
    failed = frame[(frame["version"] == new) & ~frame["ok"]].sort_values("t")
    bottom.step([0.0, *failed["t"], float(frame["t"].max()) if len(frame) else 0.0],
                [0, *range(1, len(failed) + 1), len(failed)], where="post", color="tab:red")
    bottom.axhline(threshold, color="grey", ls="--", lw=1)
    bottom.annotate(f"alarm threshold: {threshold:g} errors in one period", (0, threshold),
                    xytext=(2, 3), textcoords="offset points", fontsize=8, color="grey")
    highest = max(float(base.max()) if len(bins) else 0.0, 1.0)
    top.set_ylim(0, highest * 1.6)           # headroom above the bars for the event labels
    if "canary starts" in events:
        decided = events.get("rolled back", events.get("promoted", x[-1] + bin_s if len(x) else 0.0))
        top.axvspan(events["canary starts"], decided, color="tab:orange", alpha=0.08, lw=0, zorder=0)
    for n, (label, t) in enumerate(sorted(events.items(), key=lambda item: item[1])):
        for axis in (top, bottom):
            axis.axvline(t, color="black", ls=":", lw=1)
        top.annotate(label, (t, highest * (1.5 - 0.12 * (n % 4))), xytext=(3, 0), textcoords="offset points",
                     fontsize=8, va="center")
    top.set_ylabel(f"requests per {bin_s:g} s")
    top.set_title(f"{title} ({timing})", fontsize=10)
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    bottom.set_ylabel(f"errors of v{new}\n(cumulative)")
    bottom.set_xlabel("seconds after the traffic started")
    return fig


def show_canary_run(result: dict, per_second: float, timing: str) -> None:
    """What one canary run (labkit.lessons.iac_lesson.canary_result, with its weight and
    bug_percent) shows: the steps, each version's BUG_PERCENT, the counts, the blast radius
    modelled for AWS, and the plot."""
    from IPython.display import display

    from labkit.lessons.figures import show_figure

    s, events = result["summary"], result["events"]
    weight, bug_percent = result["weight"], result["bug_percent"]
    display(rollout_steps(events))
    print(f"BUG_PERCENT per version (versions are immutable): {result['versions']}")
    print(f"{s['decision']} after {s['seconds under watch']} s under watch ({timing}); "
          f"version {result['new']} served {s['served by the new version']} of {s['requests under watch']} "
          f"requests ({s['share to the new version']:.0%}, weight {weight:.0%}); {s['failed requests']} failed")
    if "alarm seen" in events and s["first failure (s)"] is not None:
        print(f"first failure to alarm seen: {events['alarm seen'] - s['first failure (s)']:.1f} s ({timing}; "
              f"on AWS the alarm's period alone is at least {AWS_ALARM_PERIOD_S} s)")
    model = blast_radius(per_second, AWS_ALARM_PERIOD_S, bug_percent / 100, weight)
    print(f"modelled for AWS, {per_second:g} requests/s and one {AWS_ALARM_PERIOD_S} s alarm period to notice: "
          f"about {model['canary']:.0f} failed requests with this canary, {model['all at once']:.0f} released "
          "all at once")
    title = (f"{weight:.0%} of the traffic to version {result['new']}, {bug_percent} % of its requests fail: "
             f"{s['decision']} (driven by hand)")
    show_figure(plot_canary(result["frame"], events, result["stable"], result["new"], result["threshold"],
                            title, timing))


def canary_controls(release: Callable[[float, int], dict], per_second: float, timing: str,
                    weight: float = 0.10, bug_percent: int = 50) -> None:
    """Sliders for the canary's weight and the release's bug rate (starting at ``weight`` and
    ``bug_percent``), and a button: a click calls ``release(weight, bug_percent)`` and shows its
    result (show_canary_run) in the output below them. Shown, and run once."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    show_controls([widgets.FloatSlider(value=weight, min=0.05, max=0.5, step=0.05, description="canary weight",
                                       readout_format=".2f", style=style, continuous_update=False),
                   widgets.IntSlider(value=bug_percent, min=0, max=100, step=5,
                                     description="bug: % of requests failing", style=style,
                                     continuous_update=False)],
                  lambda w, b: show_canary_run(release(w, b), per_second, timing), label="Release with a canary")
