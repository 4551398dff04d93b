"""The browser suite's Run All deadline runs from the last progress seen: a cell that finished, or
the running cell showing something new (a line printed, a progress bar moved). So a machine that
runs every cell slowly passes, a long cell that keeps moving passes, and a cell that hangs fails.
A fake page and a fake clock: nothing here waits."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.browser import jupyterlab_page
from tests.browser.jupyterlab_page import (
    FINISHED_CELLS_JS, KERNEL_IDLE_JS, RUNNING_CELL_SHOWS_JS, NotebookPage)


class FakePage:
    """A notebook whose cells finish at `finish_times` (fake seconds), idle after the last; the
    running cell shows something new at each of `shown_times`."""

    def __init__(self, clock, finish_times: list[float], shown_times: tuple[float, ...] = ()):
        self.clock, self.finish_times, self.shown_times = clock, finish_times, shown_times

    def evaluate(self, script):
        finished = sum(t <= self.clock.now for t in self.finish_times)
        if script == KERNEL_IDLE_JS:
            return finished == len(self.finish_times)
        if script == RUNNING_CELL_SHOWS_JS:
            return f"step {sum(t <= self.clock.now for t in self.shown_times)}"
        assert script == FINISHED_CELLS_JS
        return finished

    def wait_for_timeout(self, ms):
        self.clock.now += ms / 1000


@pytest.fixture
def clock(monkeypatch):
    fake = SimpleNamespace(now=0.0)
    monkeypatch.setattr(jupyterlab_page, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


def test_a_slow_run_passes_while_each_cell_finishes_within_the_deadline(clock):
    # 10 cells, one every 100 s: 1,000 s in all, five times a 180 s deadline
    page = FakePage(clock, [100.0 * (i + 1) for i in range(10)])
    NotebookPage(page, "http://lab", "n.ipynb").wait_idle(180)
    assert clock.now >= 1000


def test_a_long_cell_passes_while_it_shows_progress(clock):
    # one cell of 600 s whose progress bar moves every 150 s
    page = FakePage(clock, [5.0, 605.0], shown_times=(155.0, 305.0, 455.0))
    NotebookPage(page, "http://lab", "n.ipynb").wait_idle(180)
    assert clock.now >= 605


def test_a_cell_that_hangs_fails_after_the_deadline(clock):
    page = FakePage(clock, [5.0, 10.0, 10_000.0])
    with pytest.raises(AssertionError, match="for 180 s no cell has finished and the running one "
                                             "has shown nothing new .2 cells finished"):
        NotebookPage(page, "http://lab", "n.ipynb").wait_idle(180)
    assert 190 <= clock.now <= 191   # the deadline counts from the last cell that finished


def test_a_cell_that_stops_moving_fails_after_the_deadline_from_its_last_step(clock):
    page = FakePage(clock, [5.0, 10_000.0], shown_times=(100.0, 200.0))
    with pytest.raises(AssertionError, match="shown nothing new .1 cells finished"):
        NotebookPage(page, "http://lab", "n.ipynb").wait_idle(180)
    assert 380 <= clock.now <= 381
