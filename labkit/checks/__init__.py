"""Checker cells: ``check("99", "task-2")`` in a lab notebook, ``labkit check`` in a terminal.

Each lab has a module here (``lab_NN_topic.py``) declaring its checks; ``LAB_MODULES`` maps the
lab number to it. ``check`` runs the *public* scenarios of a task against the learner's handler
file (in the notebook's folder) and the live backend, records progress locally, and returns a
report that renders as a table. The grader runs the same checks plus hidden scenarios.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

from labkit.checks.framework import Lab, Target, run_checks
from labkit.checks.report import CheckReport

GRADING_ENV = "LABKIT_GRADING"    # set in the kernel of a notebook being graded

LAB_MODULES: dict[str, str] = {
    "00": "labkit.checks.lab_00_start_here",
    "01": "labkit.checks.lab_01_queue_processor",
    "02": "labkit.checks.lab_02_idempotency",
    "03": "labkit.checks.lab_03_errors_and_dlqs",
    "04": "labkit.checks.lab_04_fan_out_fan_in",
    "05": "labkit.checks.lab_05_sagas",
    "06": "labkit.checks.lab_06_cold_starts",
    "07": "labkit.checks.lab_07_cost",
    "08": "labkit.checks.lab_08_observability",
    "09": "labkit.checks.lab_09_concurrency_backpressure",
    "10": "labkit.checks.lab_10_front_door",
    "11": "labkit.checks.lab_11_data_layer",
    "12": "labkit.checks.lab_12_infrastructure_as_code",
    "13": "labkit.checks.lab_13_testing_serverless_code",
    "14": "labkit.checks.lab_14_capstone",
    "99": "labkit.checks.lab_99_example",
}


def get_lab(lab: str) -> Lab:
    """The lab for "99", "99_example" or "99_example.ipynb"."""
    number = Path(str(lab)).name.split("_", 1)[0].split(".", 1)[0]
    if number not in LAB_MODULES:
        raise KeyError(f"no checks for lab {lab!r}; labs with checks: {', '.join(LAB_MODULES)}")
    return importlib.import_module(LAB_MODULES[number]).LAB


def lab_for_notebook(path: str | Path) -> Lab | None:
    try:
        return get_lab(Path(path).name)
    except KeyError:
        return None


def load_handler(lab: str, folder: str | os.PathLike | None = None):
    """Import the lab's handler file afresh (after you edited and re-ran its cell)."""
    import importlib.util

    the_lab = get_lab(lab)
    path = Path(folder or os.getcwd()) / the_lab.handler_file
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def check(lab: str, task: str | None = None, folder: str | os.PathLike | None = None,
          endpoint_url: str | None = None, record: bool = True, *,
          hint: bool = False) -> CheckReport:
    """Run a task's public checks (all tasks if ``task`` is None) and return the report.

    A failing check shows what was observed and expected; once it has failed before, also the
    lesson section to re-read; with ``hint=True``, also its concrete hint (the ask is recorded:
    see labkit.checks.report)."""
    from labkit import backends
    from labkit.checks import learner_progress

    the_lab = get_lab(lab)
    specs = the_lab.checks_for(task)
    handler = Path(folder or os.getcwd()) / the_lab.handler_file
    hidden_scenarios = sum(s.hidden_count for s in specs)
    hidden_points = sum(s.points for s in specs if s.hidden_count)
    report = CheckReport(the_lab, task, [], hidden_scenarios, hidden_points)
    if os.environ.get(GRADING_ENV) == "1":
        # the grader runs every check itself after the notebook, public and hidden, in its
        # own sandbox: running them here too would only double the grading time (it reads the
        # hints asked from the notebook as handed in: labkit.grading.hints)
        report.notes.append("Grading run: these checks run after the notebook, in the grader.")
        return report
    if hint:
        report.hint_tasks = (task,) if task else tuple(the_lab.tasks)
    if record and hint:
        learner_progress.record(the_lab, [], hints_asked=report.hint_tasks)
    if not handler.is_file():
        report.problem = (f"{the_lab.handler_file} not found in {handler.parent}: run the cell "
                          f"that writes it (%%writefile {the_lab.handler_file}) first.")
        return report
    if endpoint_url is None:
        endpoint_url = backends.connect().endpoint_url
    report.previous_fails = learner_progress.failures(the_lab)
    report.results = run_checks(specs, Target(str(handler), endpoint_url))
    if record:
        learner_progress.record(the_lab, report.results)
    return report
