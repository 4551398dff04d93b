"""Hints in tiers (labkit.checks.report): a first failure shows only what was observed and
expected; a check that failed before also points at the lesson section; the concrete hint only
when asked for (check(..., hint=True) or `labkit check --hint`), which progress.json and the
notebook output record. The checks themselves are faked: this is about what is shown."""
from __future__ import annotations

import html
import json
from argparse import Namespace

import pytest
from IPython.core.formatters import DisplayFormatter

import labkit.checks as checks
from labkit.checks import GRADING_ENV, check, get_lab
from labkit.checks.framework import CheckResult
from labkit.checks.learner_progress import progress_path
from labkit.commands import check as check_command

LAB03 = get_lab("03")       # declares no lesson sections: the pointer falls back to the lesson
LAB02 = get_lab("02")       # declares them
ENDPOINT = "http://127.0.0.1:9"


def _result(spec, passed: bool) -> CheckResult:
    return CheckResult(lab=spec.lab, task=spec.task, check=spec.id, title=spec.title,
                       points=spec.points if passed else 0, max_points=spec.points,
                       passed=passed, hidden=False, scenarios=1, failed_scenarios=int(not passed),
                       hint=spec.hint, observed="" if passed else f"what {spec.id} saw",
                       expected="" if passed else f"what {spec.id} wanted")


@pytest.fixture
def learner(tmp_path, monkeypatch):
    """A fresh LABKIT_HOME, a handler file, and checks that fail unless listed in `passing`."""
    monkeypatch.setenv("LABKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(GRADING_ENV, raising=False)
    passing: set[str] = set()
    monkeypatch.setattr(checks, "run_checks",
                        lambda specs, target, **_: [_result(s, s.id in passing) for s in specs])
    for lab in (LAB02, LAB03):
        (tmp_path / lab.handler_file).write_text("def handler(event, context):\n    pass\n")

    def run(lab: str, task: str | None, **kwargs):
        return check(lab, task, folder=tmp_path, endpoint_url=ENDPOINT, **kwargs)

    run.passing = passing
    return run


def _progress() -> dict:
    return json.loads(progress_path().read_text())


def _shown(report) -> list[str]:
    return [str(report), html.unescape(report._repr_html_())]


def test_first_failure_shows_only_observed_and_expected(learner):
    report = learner("03", "task-3")
    spec = LAB03.checks_for("task-3")[0]
    for shown in _shown(report):
        assert f"what {spec.id} saw" in shown and f"what {spec.id} wanted" in shown
        assert spec.hint not in shown and "Lesson 03" not in shown
        assert 'check("03", "task-3", hint=True)' in shown   # says how to ask
    assert "lesson:" not in str(report) and "hint:" not in str(report)
    assert "<b>lesson</b>" not in report._repr_html_() and "<b>hint</b>" not in report._repr_html_()


def test_a_repeated_failure_points_at_the_lesson(learner):
    learner("03", "task-3")
    report = learner("03", "task-3")
    text = str(report)
    assert ('lesson:   Lesson 03 (Errors and dead-letter queues) shows this behaviour; re-read '
            'the section "4 · An alarm on DLQ depth, notifying through SNS" '
            "(notebooks/03_errors_and_dlqs.ipynb).") in text
    assert LAB03.checks_for("task-3")[0].hint not in text
    assert "<b>lesson</b> Lesson 03" in report._repr_html_()
    fails = _progress()["labs"]["03"]["tasks"]["task-3"]["checks"]
    assert fails and all(counts == {"fails": 2} for counts in fails.values())


def test_tiers_are_per_check_and_name_the_declared_section(learner):
    first, second = LAB02.checks_for("task-1")
    learner.passing.add(second.id)
    learner("02", "task-1")                       # the first fails, the second passes
    learner.passing.clear()
    report = learner("02", "task-1")              # both fail
    assert report.tier(report.results[0]) == "lesson"
    assert report.tier(report.results[1]) == "observed"   # its first failure
    text = str(report)
    assert text.count("lesson:   Lesson 02") == 1
    assert 're-read the section "3 · Fix 2: INPROGRESS → COMPLETED, with an expiry"' in text


def test_hint_true_reveals_the_concrete_hint_and_records_the_ask(learner):
    report = learner("03", "task-3", hint=True)   # even on the first run: the learner asked
    for spec in LAB03.checks_for("task-3"):
        assert spec.hint in str(report)
    assert "Hint revealed for task-3" in str(report)
    asks = _progress()["labs"]["03"]["tasks"]["task-3"]["hints_revealed"]
    assert len(asks) == 1 and asks[0][:2] == "20"   # a time stamp
    learner("03", "task-3", hint=True)
    assert len(_progress()["labs"]["03"]["tasks"]["task-3"]["hints_revealed"]) == 2
    assert "hints_revealed" not in _progress()["labs"]["03"]["tasks"].get("task-2", {})


def test_hint_true_leaves_a_marker_in_the_notebook_output(learner):
    data, metadata = DisplayFormatter().format(learner("03", "task-3", hint=True))
    assert metadata == {"labkit": {"hint_revealed": ["03", "task-3"]}}
    assert "text/html" in data and "Hint revealed for task-3" in data["text/plain"]
    _, plain = DisplayFormatter().format(learner("03", "task-3"))
    assert plain == {}
    _, every_task = DisplayFormatter().format(learner("03", None, hint=True))
    assert every_task == {"labkit": {"hint_revealed": ["03", *LAB03.tasks]}}


def test_grading_run_shows_and_records_nothing(learner, monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "1")
    report = learner("03", "task-3", hint=True)
    assert report.results == [] and not progress_path().exists()
    assert DisplayFormatter().format(report)[1] == {}   # the grader reads the handed-in file


def test_labkit_check_hint_from_a_terminal(learner, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("labkit.backends.connect", lambda: Namespace(endpoint_url=ENDPOINT))
    args = Namespace(path=str(tmp_path), lab="03", task="task-3", hint=False)
    assert check_command.run(args) == 1
    first = capsys.readouterr().out
    assert LAB03.checks_for("task-3")[0].hint not in first
    assert f"labkit check {tmp_path} --lab 03 --task task-3 --hint" in first
    assert check_command.run(Namespace(**{**vars(args), "hint": True})) == 1
    assert LAB03.checks_for("task-3")[0].hint in capsys.readouterr().out
    assert _progress()["labs"]["03"]["tasks"]["task-3"]["hints_revealed"]
