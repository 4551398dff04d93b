"""The browser suite's Run All deadline is per cell: it starts again whenever another cell
finishes, so a machine that runs every cell slowly passes and a cell that hangs fails. A fake
page and a fake clock: nothing here waits."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.browser import jupyterlab_page
from tests.browser.jupyterlab_page import FINISHED_CELLS_JS, KERNEL_IDLE_JS, NotebookPage


class FakePage:
    """A notebook whose cells finish at the given times (fake seconds); idle after the last."""

    def __init__(self, clock, finish_times: list[float]):
        self.clock, self.finish_times = clock, finish_times

    def evaluate(self, script):
        finished = sum(t <= self.clock.now for t in self.finish_times)
        if script == KERNEL_IDLE_JS:
            return finished == len(self.finish_times)
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


def test_a_cell_that_hangs_fails_after_the_deadline(clock):
    page = FakePage(clock, [5.0, 10.0, 10_000.0])
    with pytest.raises(AssertionError, match="no cell has finished for 180 s .2 cells finished"):
        NotebookPage(page, "http://lab", "n.ipynb").wait_idle(180)
    assert 190 <= clock.now <= 191   # the deadline counts from the last cell that finished
