"""Lesson 07's two live plots: the power-tuning curve and the serverless-vs-VPS break-even,
each redrawn as its sliders move. The numbers come from labkit.cost and cost_lesson.py; this
module only draws them and wires the widgets. matplotlib and ipywidgets load only when a plot
is drawn.
"""
from __future__ import annotations

import functools
import threading
from typing import Callable, Iterable

from labkit import cost
from labkit.lessons.cost_lesson import (FULL_VCPU_MB, cheapest_within, per_request,
                                        power_tuning_table, usd)

_PLOT_LOCK = threading.Lock()


def live_plot(plot: Callable[..., None], controls: dict, per_row: int) -> None:
    """Display ``controls`` (``per_row`` to a row) and below them plot(**their values), redrawn
    whenever one moves: widgets.interactive_output, one redraw at a time, because a slider drag
    sends many values, the kernel may handle them at the same time, and matplotlib's text
    layout is not thread-safe."""
    import ipywidgets as widgets
    from IPython.display import display

    out = widgets.Output()

    def redraw(_=None):
        with _PLOT_LOCK, out:
            out.clear_output(wait=True)
            plot(**{name: control.value for name, control in controls.items()})

    for control in controls.values():
        control.observe(redraw, "value")
    redraw()
    values = list(controls.values())
    rows = [widgets.HBox(values[i:i + per_row]) for i in range(0, len(values), per_row)]
    display(widgets.VBox(rows), out)


def plain_log_ticks(*axes) -> None:
    """Log axes label ticks with mathtext ($10^{2}$) by default; plain numbers read better here
    and need no maths-text parser."""
    from matplotlib import ticker

    for axis in axes:
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())


def plot_power_tuning(sweep, measured_cpu_ms: float, timing: str, modelled: str, *, cpu_ms: float,
                      wait_ms: float, requests_per_month: float, arch: str,
                      latency_target_ms: float) -> None:
    """Modelled duration and monthly cost against memory (power_tuning_table), this run's
    measured durations (``sweep``, scaled to ``cpu_ms``) when there is no waiting, and a star
    on the cheapest memory that meets the latency target (cheapest_within), which it prints."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    table = power_tuning_table(cpu_ms, wait_ms, requests_per_month,
                               memories=range(128, 3009, 64), arch=arch)
    best = cheapest_within(table, latency_target_ms)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(table.memory_mb, table.duration_ms, label="modelled")
    if wait_ms == 0:
        left.plot(sweep.index, sweep.duration_ms * cpu_ms / measured_cpu_ms, "o", color="tab:orange",
                  label=f"this run, {timing} (scaled to {cpu_ms:.0f} ms of CPU)")
    left.axhline(latency_target_ms, ls="--", color="grey", label="latency target")
    left.axvline(FULL_VCPU_MB, ls=":", color="grey")
    left.set_yscale("log")
    plain_log_ticks(left.yaxis)
    left.set_xlabel("memory (MB)")
    left.set_ylabel("duration (ms)")
    left.legend(fontsize=8)
    left.set_title("1,769 MB = 1 vCPU (dotted)")
    right.plot(table.memory_mb, table.monthly_usd, color="tab:green")
    right.set_xlabel("memory (MB)")
    right.set_ylabel("USD per month")
    right.set_title(f"{requests_per_month:,.0f} requests/month, {arch} ({modelled})", fontsize=9)
    if best is not None:
        for axis, column in ((left, "duration_ms"), (right, "monthly_usd")):
            axis.plot(best.memory_mb, best[column], "*", ms=14, color="tab:red")
        print(f"cheapest memory meeting {latency_target_ms:.0f} ms: {best.memory_mb:.0f} MB, "
              f"{best.duration_ms:.0f} ms, {usd(best.monthly_usd)} per month (modelled)")
    else:
        print(f"no memory size meets {latency_target_ms:.0f} ms: make the code faster")
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)


def power_tuning_widget(sweep, measured_cpu_ms: float, timing: str, modelled: str) -> None:
    """plot_power_tuning with a slider or a drop-down for each of its inputs."""
    import ipywidgets as widgets

    controls = {
        "cpu_ms": widgets.FloatSlider(value=round(measured_cpu_ms), min=5, max=2000, step=5,
                                      description="CPU ms"),
        "wait_ms": widgets.FloatSlider(value=0, min=0, max=1000, step=10, description="wait ms"),
        "requests_per_month": widgets.FloatLogSlider(value=3e6, base=10, min=4, max=9,
                                                     description="requests/mo"),
        "arch": widgets.Dropdown(options=["x86_64", "arm64"], value="x86_64", description="arch"),
        "latency_target_ms": widgets.FloatSlider(value=200, min=10, max=3000, step=10,
                                                 description="target ms"),
    }
    live_plot(functools.partial(plot_power_tuning, sweep, measured_cpu_ms, timing, modelled),
              controls, per_row=3)


def plot_break_even(marked_rates: Iterable[float], modelled: str, *, duration_ms: float,
                    memory_mb: int, api: str, vps_usd: float, other_per_million: float,
                    nat_gateway: bool, free_tier: bool, arch: str) -> None:
    """The serverless monthly bill against requests per day (log-log), the VPS's flat price,
    the break-even between them, and dotted lines at ``marked_rates``."""
    import matplotlib.pyplot as plt
    import numpy as np

    from labkit.lessons.figures import show_figure

    extras = [per_request("DynamoDB, logs, ... per request", other_per_million)]
    if nat_gateway:
        extras.append(lambda n: cost.nat_gateway_cost())
    workload = dict(duration_ms=duration_ms, memory_mb=memory_mb, arch=arch,
                    api=None if api == "none" else api, free_tier=free_tier, extras=extras)
    rates = np.logspace(2, 7.5, 60)
    monthly = [cost.serverless_monthly_cost(r, **workload).total_usd for r in rates]
    even = cost.break_even_requests_per_day(vps_usd, **workload)
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    ax.loglog(rates, monthly, label="serverless (modelled)")
    plain_log_ticks(ax.xaxis, ax.yaxis)
    ax.axhline(vps_usd, color="tab:orange", label=f"VPS ${vps_usd:,.2f}/month")
    for per_day in marked_rates:
        ax.axvline(per_day, color="grey", ls=":", lw=0.8)
    if even:
        ax.axvline(even, color="tab:red", ls="--", label=f"break-even {even:,.0f} requests/day")
    ax.set_xlabel("requests per day (dotted: seed 004 workloads 1-3)")
    ax.set_ylabel("USD per month")
    ax.set_title(f"{modelled}", fontsize=9)
    ax.legend(fontsize=8)
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)
    if even == 0:
        print("serverless costs more than the VPS even with no traffic (a NAT Gateway alone is $32.85)")
    elif even is None:
        print("serverless stays cheaper across the whole range")


def break_even_widget(marked_rates: Iterable[float], modelled: str) -> None:
    """plot_break_even with a slider, drop-down or checkbox for each of its inputs."""
    import ipywidgets as widgets

    controls = {
        "duration_ms": widgets.FloatSlider(value=200, min=10, max=2000, step=10, description="duration ms"),
        "memory_mb": widgets.IntSlider(value=512, min=128, max=3008, step=64, description="memory MB"),
        "api": widgets.Dropdown(options=["http", "rest", "none"], value="http", description="API GW"),
        "vps_usd": widgets.FloatSlider(value=17.49, min=4, max=600, step=0.5, description="VPS $/mo"),
        "other_per_million": widgets.FloatSlider(value=7.7, min=0, max=50, step=0.1,
                                                 description="other $/1M"),
        "nat_gateway": widgets.Checkbox(value=False, description="NAT Gateway"),
        "free_tier": widgets.Checkbox(value=True, description="free tier"),
        "arch": widgets.Dropdown(options=["x86_64", "arm64"], value="x86_64", description="arch"),
    }
    live_plot(functools.partial(plot_break_even, list(marked_rates), modelled), controls, per_row=4)
