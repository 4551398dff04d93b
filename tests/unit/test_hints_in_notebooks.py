"""The grader finds the hints a learner revealed in the notebook they hand in
(labkit.grading.hints): calls to check(..., hint=True) in code cells, in their many forms, and
the marker such a call leaves in its output, which survives when the call is edited away."""
from __future__ import annotations

import nbformat
import pytest
from IPython.core.formatters import DisplayFormatter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labkit.checks import get_lab
from labkit.checks.framework import CheckResult
from labkit.checks.report import CheckReport
from labkit.grading.hints import hints_revealed

LAB = get_lab("03")
EVERY_TASK = list(LAB.tasks)


def _revealed(tmp_path, *cells) -> list[str]:
    nb = new_notebook(cells=[c if not isinstance(c, str) else new_code_cell(c) for c in cells])
    path = tmp_path / LAB.notebook
    nbformat.write(nb, path)
    return hints_revealed(path, LAB)


@pytest.mark.parametrize("source, tasks", [
    ('check("03", "task-3", hint=True)', ["task-3"]),
    ('from labkit.checks import check\ncheck("03", task="task-2", hint=True)', ["task-2"]),
    ('import labkit.checks\nlabkit.checks.check("03", "task-1", hint=True)', ["task-1"]),
    ('from labkit.checks import check as grade\ngrade("03", "task-4", hint=True)', ["task-4"]),
    ('import labkit.checks as lc\nlc.check(lab="03", task="task-2", hint=1)', ["task-2"]),
    ('check("03_errors_and_dlqs.ipynb", "task-3", **{"hint": True})', ["task-3"]),
    ('report = check("03", "task-3",\n               hint=True)\nprint(report)', ["task-3"]),
    ('%time check("03", "task-3", hint=True)', ["task-3"]),
    ('%%time\nx = 1\ncheck("03", "task-4", hint=True)', ["task-4"]),
    ('!ls\ncheck("03", "task-1", hint=True)', ["task-1"]),
    ('check("03", hint=True)', EVERY_TASK),                      # no task: every task
    ('for t in ["task-1", "task-2"]:\n    check("03", t, hint=True)', EVERY_TASK),
    ('check("03", "task-1", hint=SHOW_HINTS)', ["task-1"]),      # not a literal: asked
])
def test_a_call_asking_for_a_hint_is_found(tmp_path, source, tasks):
    assert _revealed(tmp_path, source) == tasks


@pytest.mark.parametrize("source", [
    'check("03", "task-3")',
    'check("03", "task-3", hint=False)',
    'check("03", "task-3", hint=None)',
    '# check("03", "task-3", hint=True)',
    'print(\'check("03", "task-3", hint=True)\')',
    '%%writefile lab03_orders.py\ncheck("03", "task-3", hint=True)',
    'check("02", "task-3", hint=True)',                          # another lab's
    'check("03", "task-9", hint=True)',                          # no such task
    'check("03", "task-3", hint=True',                           # never ran: a syntax error
    'checks("03", "task-3", hint=True)',
])
def test_no_hint_asked(tmp_path, source):
    assert _revealed(tmp_path, source) == []


def test_markdown_is_not_code(tmp_path):
    assert _revealed(tmp_path, new_markdown_cell('`check("03", "task-3", hint=True)`')) == []


def test_tasks_from_several_cells_in_task_order(tmp_path):
    assert _revealed(tmp_path, 'check("03", "task-4", hint=True)', 'check("03", "task-1")',
                     'check("03", "task-2", hint=True)') == ["task-2", "task-4"]


def _output(metadata) -> dict:
    return new_output("display_data", data={"text/plain": "report"}, metadata=metadata)


def test_the_output_marker_counts_when_the_call_is_gone(tmp_path):
    cell = new_code_cell('check("03", "task-3")',
                         outputs=[_output({"labkit": {"hint_revealed": ["03", "task-3"]}})])
    assert _revealed(tmp_path, cell) == ["task-3"]


@pytest.mark.parametrize("metadata", [
    {"labkit": {"hint_revealed": ["02", "task-3"]}},    # another lab's
    {"labkit": {"hint_revealed": "03"}},
    {"labkit": "hint_revealed"},
    {"labkit": {"hint_revealed": []}},
    {"other": {"hint_revealed": ["03", "task-3"]}},
    {},
])
def test_other_metadata_is_no_marker(tmp_path, metadata):
    assert _revealed(tmp_path, new_code_cell("x = 1", outputs=[_output(metadata)])) == []


def test_the_marker_a_report_displays_is_the_one_the_grader_reads(tmp_path):
    """Producer and reader agree: the metadata Jupyter stores for check(..., hint=True)."""
    spec = LAB.checks_for("task-2")[0]
    result = CheckResult(spec.lab, spec.task, spec.id, spec.title, 0, spec.points, False, False,
                         1, 1, spec.hint, "saw", "wanted")
    report = CheckReport(LAB, "task-2", [result], hint_tasks=("task-2",))
    data, metadata = DisplayFormatter().format(report)
    cell = new_code_cell("", outputs=[new_output("execute_result", data=data, metadata=metadata,
                                                 execution_count=1)])
    assert _revealed(tmp_path, cell) == ["task-2"]


def test_an_unreadable_notebook_reveals_nothing(tmp_path):
    path = tmp_path / LAB.notebook
    path.write_text("{not json")
    assert hints_revealed(path, LAB) == []
