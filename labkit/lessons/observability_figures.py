"""Lesson 08's figures and its widget: the waterfalls of the slow and the cold request, the
service map, the query-cost table as it is read, and section 7's "trace one order" controls.

Each figure is drawn on a figure of its own and shown with ``show_figure`` (a widget callback
may draw meanwhile, so pyplot's current figure is not ours to use). matplotlib and the widgets
are imported where they are used.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress
from labkit.lessons.traces import plot_service_map, plot_waterfall

SERVICE_ORDER = ["client", "api", "sqs", "orders", "sns", "notify", "states", "fulfil"]


def plot_waterfalls(panels: list[tuple[pd.DataFrame, str]], rename=lambda name: name) -> None:
    """One waterfall (traces.plot_waterfall) per (trace_timeline, title), stacked, on one time
    axis long enough for the longest, each as tall as its rows."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    xmax = 1.7 * max(float((t["start_s"] + t["duration_ms"] / 1000).max()) for t, _ in panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 0.28 * sum(len(t) for t, _ in panels) + 2),
                             gridspec_kw={"height_ratios": [len(t) for t, _ in panels]}, squeeze=False)
    for ax, (timeline, title) in zip(axes[:, 0], panels):
        plot_waterfall(ax, timeline, title, rename=rename, xmax=xmax)
    show_figure(fig)


QUERY_COST_FORMATS = {"USD this run (modelled)": "{:.2e}", "GB over one day of traffic (modelled)": "{:.2f}",
                      "USD per run over one day (modelled)": "${:.4f}",
                      "USD a month as a dashboard (modelled)": "${:,.2f}"}


def show_query_costs(cost: pd.DataFrame) -> None:
    """Display query_cost_view's table, each column in the unit it is read in."""
    from IPython.display import display

    display(cost.style.format(QUERY_COST_FORMATS))


def draw_service_map(edges: pd.DataFrame, traces: int, functions=()) -> None:
    """The service map of ``edges`` (traces.service_edges), the pipeline's hops in order."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(12, 3.4))
    plot_service_map(ax, edges, order=SERVICE_ORDER, functions=functions)
    ax.set_title(f"service map of {traces} traces: calls (errors)", fontsize=10)
    show_figure(fig)


def explain_request(pipeline, correlation_id: str, timing: str, since: float) -> None:
    """Draw one request's path from its log lines (OrderPipeline.explain) and print what else
    is known about it: its execution, its message in the DLQ, its error lines."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(10, 3))
    notes = pipeline.explain(ax, correlation_id, timing, since=since)
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)
    print("\n".join(notes))


def follow_order(pipeline, find: Callable[[str], pd.DataFrame], order: dict, last_line: str) -> str:
    """Place ``order``, wait until it has settled (its DLQ message or its execution's end) and
    until its last log line, ``last_line``, is in (``find``: FilterLogEvents over every group);
    -> its correlation id."""
    correlation_id = pipeline.place_order(order)
    with Progress(1, "following the order"):
        wait_until(lambda: pipeline.outcome(correlation_id, order.get("fail_at")), timeout=90,
                   interval=0.5, what="the order to settle")
        wait_until(lambda: len(find(f'{{ $.correlation_id = "{correlation_id}" && '
                                    f'$.message = "{last_line}" }}')),
                   timeout=60, interval=0.5, what="its last log line")
    return correlation_id


def order_tracer(pipeline, placed: pd.DataFrame, find: Callable[[str], pd.DataFrame],
                 failures: dict[str, str | None], picked: str, last_line: dict[str | None, str],
                 timing: str, since: float) -> list[str]:
    """Section 7's controls. "Place order and trace": an order with the failure picked in
    ``failures`` (label -> fail_at; ``picked`` first) is placed and followed to its last log
    line (``last_line[fail_at]``, see follow_order), added to ``placed`` and drawn. "Trace this
    request": draws any id placed so far. Places one order with the picked failure now; -> the
    ids followed (an error inside a widget's output would not stop the notebook: check this)."""
    import ipywidgets as widgets
    from IPython.display import display

    failure_picker = widgets.Dropdown(options=list(failures), value=picked, description="inject")
    send_button = widgets.Button(description="Place order and trace", button_style="primary",
                                 layout=widgets.Layout(width="max-content"))  # the whole label
    request_picker = widgets.Dropdown(options=list(placed["correlation_id"]), description="request")
    show_button = widgets.Button(description="Trace this request",
                                 layout=widgets.Layout(width="max-content"))
    output = widgets.Output()
    traced: list[str] = []

    def send_and_trace(_=None):
        with output:
            output.clear_output(wait=True)
            fail_at = failures[failure_picker.value]
            order = {"order_id": f"o-{len(placed):03d}", "items": 1,
                     **({"fail_at": fail_at} if fail_at else {})}
            correlation_id = follow_order(pipeline, find, order, last_line[fail_at])
            placed.loc[len(placed)] = {"order_id": order["order_id"], "fail_at": fail_at,
                                       "correlation_id": correlation_id}
            request_picker.options = list(placed["correlation_id"])
            explain_request(pipeline, correlation_id, timing, since)
            traced.append(correlation_id)

    def show_picked(_=None):
        with output:
            output.clear_output(wait=True)
            explain_request(pipeline, request_picker.value, timing, since)

    send_button.on_click(send_and_trace)
    show_button.on_click(show_picked)
    display(widgets.VBox([widgets.HBox([failure_picker, send_button]),
                          widgets.HBox([request_picker, show_button]), output]))
    send_and_trace()
    return traced
