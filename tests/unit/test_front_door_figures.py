"""Lesson 10's figures and widget (labkit.lessons.front_door_figures): the plots take a burst's
rows or plain latencies and count them right, and the throttling controls start at the values
the lesson measured and hand the sliders' values to the run."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from labkit.lessons import front_door_figures  # noqa: E402


def test_latency_groups_take_rows_or_latencies_and_label_their_counts():
    rows = pd.DataFrame({"latency_ms": [100.0, 120.0, 900.0], "status": [200, 200, 200]})
    fig = front_door_figures.plot_latency_groups({"sync": rows, "202": [20.0, 25.0], "none": []},
                                                 "emulated", "title")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["sync (n=3)", "202 (n=2)", "none (n=0)"]    # rows counted, not columns
    assert "emulated" in fig.axes[0].get_xlabel()


def test_retry_timeline_counts_the_requests_answered_2xx():
    frame = pd.DataFrame({"i": [0, 1, 2], "status": [200, 200, 429],
                          "statuses": [[429, 200], [200], [429, 429]],
                          "tried_at": [[10.0, 10.5], [10.1], [10.0, 11.0]],
                          "ended_at": [10.6, 10.2, 11.1]})
    fig = front_door_figures.plot_retry_timeline(frame, "emulated", "rate 1/s")
    left, right = fig.axes
    assert right.get_title() == "2 of 3 done"
    assert sorted(t.get_text() for t in left.get_legend().get_texts()) == ["200", "429"]


def test_throttle_controls_start_at_the_measured_limits_and_run_with_the_sliders(monkeypatch):
    shown = {}
    monkeypatch.setattr(front_door_figures, "show_controls",
                        lambda sliders, run, label: shown.update(sliders=sliders, run=run, label=label))
    ran = []
    front_door_figures.show_throttle_controls(lambda *values: ran.append(values), rate=30, burst_limit=5,
                                              requests=40)
    rate, burst, requests = shown["sliders"]
    assert (rate.value, rate.min, rate.max) == (30, 1, 60)
    assert (burst.value, burst.max) == (5, 40) and (requests.value, requests.step) == (40, 10)
    assert shown["label"] == "Throttle and plot"
    shown["run"](*(s.value for s in shown["sliders"]))
    assert ran == [(30, 5, 40)]
