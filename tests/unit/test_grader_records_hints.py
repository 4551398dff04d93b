"""The grader takes the hints a learner revealed from the notebook as handed in, before its run
(where check() only defers to the grader), into the submission's result. The kernel and the
backend are faked: this is about the wiring, labkit.grading.hints about the reading."""
from __future__ import annotations

from argparse import Namespace

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from labkit.checks import get_lab
from labkit.grading import executor
from labkit.grading.executor import GradeSettings
from labkit.grading.submissions import Submission

LAB = get_lab("99")


class _Backend:
    url = "http://127.0.0.1:9"
    proc = Namespace(pid=0)

    def start(self):
        return self

    def stop(self) -> None:
        pass


def test_hints_come_from_the_handed_in_notebook(tmp_path, monkeypatch):
    handed_in = tmp_path / "ada" / LAB.notebook
    handed_in.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell('check("99", "task-2", hint=True)')]),
                   handed_in)

    def run_notebook(notebook, *args):
        # what the run leaves behind must not matter: the evidence is the file handed in
        nbformat.write(new_notebook(cells=[new_code_cell("pass")]), notebook)
        return {}

    monkeypatch.setattr(executor, "new_backend", lambda settings: _Backend())
    monkeypatch.setattr(executor, "_execute_notebook", run_notebook)
    settings = GradeSettings(seed="s")
    executed = executor.execute(Submission("ada", "99_example", handed_in), settings)
    result = executor.check(executed, settings)   # no handler written: zero, without checks
    assert result["hints_revealed"] == ["task-2"]
    assert handed_in.read_text().count("hint=True") == 1   # the submission is left as it was


def test_a_notebook_without_hints_reveals_none(tmp_path, monkeypatch):
    handed_in = tmp_path / LAB.notebook
    nbformat.write(new_notebook(cells=[new_code_cell('check("99", "task-2")')]), handed_in)
    monkeypatch.setattr(executor, "new_backend", lambda settings: _Backend())
    monkeypatch.setattr(executor, "_execute_notebook", lambda *args: {})
    settings = GradeSettings(seed="s")
    result = executor.check(executor.execute(Submission("ada", "99_example", handed_in),
                                             settings), settings)
    assert result["hints_revealed"] == []
