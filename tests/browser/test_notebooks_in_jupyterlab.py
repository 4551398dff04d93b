"""Every lesson and every solved lab, run in real JupyterLab in Chromium.

Lessons: Run All, no error outputs, then move one widget and see the plot/output change.
Solutions: Run All, no error outputs, every checker table shows full points and no FAIL.
Each notebook's time goes to test-output/browser_times.csv (a report, not an assertion).
"""
from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, SHOTS
from tests.browser.jupyterlab_page import NotebookPage, error_outputs

LESSONS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
# The harness's own fixture notebook (a widget + a plot) keeps this suite honest with no lessons.
FIXTURES = sorted(p.relative_to(ROOT).as_posix()
                  for p in (ROOT / "tests" / "notebooks" / "fixtures").glob("*.ipynb"))
RUN_DEADLINE_S = 180  # a lesson must run headless in <= 90 s; the browser adds overhead
TIMES = ROOT / "test-output" / "browser_times.csv"


def _record_time(path: str, seconds: float) -> None:
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    new = not TIMES.exists()
    with TIMES.open("a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["notebook", "seconds"])
        w.writerow([path, f"{seconds:.1f}"])


def _shot(nb: NotebookPage, path: str, suffix: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / (path.replace("/", "__").removesuffix(".ipynb") + f"{suffix}.png")
    nb.screenshot(out)
    return out


@pytest.mark.parametrize("path", LESSONS + FIXTURES)
def test_lesson_runs_and_widget_redraws(jupyterlab, page, path):
    started = time.monotonic()
    nb = NotebookPage(page, jupyterlab, path)
    nb.open()
    nb.run_all(RUN_DEADLINE_S)
    _shot(nb, path, "")
    nb.save()
    errors = error_outputs(nb.saved_notebook())
    assert not errors, f"{path} shows errors in the browser: {errors}"

    found = nb.widget_cell_index()
    assert found, f"{path} has no slider or button a learner could move"
    index, kind = found
    before = nb.output_signature(index)
    nb.move_widget(index, kind)
    nb.wait_output_change(index, before, deadline_s=RUN_DEADLINE_S)
    nb.wait_idle(RUN_DEADLINE_S)
    _shot(nb, path, "-after-widget")
    _record_time(path, time.monotonic() - started)


HEADING = re.compile(r"(\d+)/(\d+) points")


@pytest.mark.parametrize("path", SOLUTIONS)
def test_solution_checks_all_pass_in_browser(jupyterlab, page, path):
    started = time.monotonic()
    nb = NotebookPage(page, jupyterlab, path)
    nb.open()
    nb.run_all(RUN_DEADLINE_S)
    _shot(nb, path, "")
    nb.save()
    errors = error_outputs(nb.saved_notebook())
    assert not errors, f"{path} shows errors in the browser: {errors}"

    tables = page.locator(".labkit-check")
    assert tables.count() > 0, f"{path} shows no checker table"
    for i in range(tables.count()):
        table = tables.nth(i)
        got, best = map(int, HEADING.search(table.locator("h4").inner_text()).groups())
        failing = table.locator("td", has_text=re.compile(r"^FAIL$")).count()
        assert got == best and failing == 0, f"{path}: checker table {i} shows {got}/{best}, {failing} FAIL"
    _record_time(path, time.monotonic() - started)
