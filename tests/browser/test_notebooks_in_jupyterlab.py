"""Every lesson, and the newest labs' solutions, run in real JupyterLab in Chromium.

Lessons: Run All, no error outputs (also none inside widget outputs), then move one widget and
wait for a finished redraw without a traceback, then call clean_up() as the lesson says, and check
JupyterLab's log console holds no traceback. Screenshots: <name>-widget.png (the widget cell after
the move) and <name>-end.png (the end of the notebook); -log.png when the log console has entries.
Lab 12's and lab 13's solutions: Run All, no error outputs, every checker table shows full points
and no FAIL (what a learner sees of `check()` in JupyterLab).

This is the one run of each lesson in `make test` (MiniStack aside): what a headless run would
show, the saved notebook shows here. The runtime paths alternate: every other lesson runs on the
macOS/Windows path (LABKIT_PORTABLE=1), the others on awslambdaric. Every lab's solution
notebook runs where it is graded (tests/grading/test_grade_every_lab.py, the labs
alternating between the two paths in the same way); its checks run there, public and hidden.
Each notebook's time goes to test-output/browser_times.csv (a report, not an assertion).
"""
from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, SHOTS
from tests.browser.jupyterlab_page import NotebookPage, error_outputs

LESSONS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The checker tables in JupyterLab: the newest labs' solutions show them (each lab's checks also
# run, public and hidden, when it is graded).
SOLUTIONS = ["solutions/12_infrastructure_as_code.ipynb", "solutions/13_testing_serverless_code.ipynb"]
# The harness's own fixture notebook (a widget + a plot) keeps this suite honest with no lessons.
FIXTURES = sorted(p.relative_to(ROOT).as_posix()
                  for p in (ROOT / "tests" / "notebooks" / "fixtures").glob("*.ipynb"))
# lesson -> the runtime path its JupyterLab runs on: every other one portable (the harness's
# fixture on awslambdaric)
ON_PORTABLE_PATH = {path: i % 2 == 1 for i, path in enumerate(LESSONS)}
# How long a Run All may go without progress (a cell finished, or the running cell showing
# something new), and one redraw's deadline: it fails what is stuck, not a slow machine. A lesson
# runs headless in about 90 s at most, quiet.
RUN_DEADLINE_S = 180
TIMES = ROOT / "test-output" / "browser_times.csv"


def _record_time(path: str, seconds: float) -> None:
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    new = not TIMES.exists()
    with TIMES.open("a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["notebook", "seconds"])
        w.writerow([path, f"{seconds:.1f}"])


def _shot(nb: NotebookPage, path: str, suffix: str, cell_index: int | None = None) -> Path:
    """`-widget`: the widget cell at the top of the viewport; `-end`: the end of the notebook."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / (path.replace("/", "__").removesuffix(".ipynb") + f"{suffix}.png")
    if cell_index is None:
        nb.screenshot_end(out)
    else:
        nb.screenshot_cell(cell_index, out)
    return out


@pytest.mark.parametrize("path", LESSONS + FIXTURES, ids=lambda path: path + (
    "-portable" if ON_PORTABLE_PATH.get(path) else "-awslambdaric"))
def test_lesson_runs_and_widget_redraws(request, page, path, shut_down_after):
    started = time.monotonic()
    jupyterlab = request.getfixturevalue(
        "jupyterlab_portable" if ON_PORTABLE_PATH.get(path) else "jupyterlab")
    shut_down_after(jupyterlab, path)
    nb = NotebookPage(page, jupyterlab, path)
    nb.open()
    nb.run_all(RUN_DEADLINE_S)
    nb.save()
    errors = error_outputs(nb.saved_notebook()) + [t[-1500:] for t in nb.shown_tracebacks()]
    assert not errors, f"{path} shows errors in the browser: {errors}"

    found = nb.widget_cell_index()
    assert found, f"{path} has no slider or button a learner could move"
    index, kind = found
    before = nb.output_state(index)
    nb.move_widget(index, kind)
    try:
        nb.wait_widget_result(index, before, deadline_s=RUN_DEADLINE_S)
    finally:
        _shot(nb, path, "-widget", index)

    # The lesson asks the learner to call clean_up() last, after playing with the widgets.
    if "def clean_up():" in json.dumps(nb.saved_notebook()):
        printed = nb.run_new_cell("clean_up()", RUN_DEADLINE_S)
        _shot(nb, path, "-end")
        assert "deleted" in printed and "Error" not in printed, f"clean_up() printed: {printed}"
    else:
        _shot(nb, path, "-end")
    # A callback's exception outside any Output widget lands in JupyterLab's log console.
    logged = nb.log_console_text()
    if logged:
        _shot(nb, path, "-log")
        print(f"\n{path}: JupyterLab log console:\n{logged[-3000:]}")
    assert not re.search(r"Traceback|Error", logged), f"{path}: errors in the log console: {logged[-1500:]}"
    _record_time(path, time.monotonic() - started)


HEADING = re.compile(r"(\d+)/(\d+) points")


@pytest.mark.parametrize("path", SOLUTIONS)
def test_solution_checks_all_pass_in_browser(jupyterlab_portable, page, path, shut_down_after):
    started = time.monotonic()
    shut_down_after(jupyterlab_portable, path)
    nb = NotebookPage(page, jupyterlab_portable, path)
    nb.open()
    nb.run_all(RUN_DEADLINE_S)
    _shot(nb, path, "-end")
    nb.save()
    errors = error_outputs(nb.saved_notebook()) + [t[-1500:] for t in nb.shown_tracebacks()]
    assert not errors, f"{path} shows errors in the browser: {errors}"

    tables = page.locator(".labkit-check")
    assert tables.count() > 0, f"{path} shows no checker table"
    for i in range(tables.count()):
        table = tables.nth(i)
        got, best = map(int, HEADING.search(table.locator("h4").inner_text()).groups())
        failing = table.locator("td", has_text=re.compile(r"^FAIL$")).count()
        assert got == best and failing == 0, f"{path}: checker table {i} shows {got}/{best}, {failing} FAIL"
    _record_time(path, time.monotonic() - started)
