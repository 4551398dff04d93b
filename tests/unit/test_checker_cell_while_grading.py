"""A checker cell in a notebook being graded leaves the checks to the grader (which runs them
all, public and hidden, in its own sandbox, after the notebook): it must not run them twice."""
from __future__ import annotations

from labkit.checks import GRADING_ENV, check


def test_checker_cell_defers_to_the_grader(monkeypatch, tmp_path):
    monkeypatch.setenv(GRADING_ENV, "1")
    # no handler file and no backend: anything but deferring would show a problem or fail
    report = check("99", "task-1", folder=tmp_path, endpoint_url="http://127.0.0.1:9")
    assert report.results == [] and report.problem == ""
    assert "grader" in str(report)


def test_checker_cell_runs_outside_grading(monkeypatch, tmp_path):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    report = check("99", "task-1", folder=tmp_path, endpoint_url="http://127.0.0.1:9")
    assert "not found" in report.problem
