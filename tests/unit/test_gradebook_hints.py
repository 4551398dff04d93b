"""What instructors see of the hints learners revealed (fabricated results, no backend):
grades.csv says per check row whether its task's hint was revealed, the learner's feedback
keeps every detail and names the hints, report.html counts per check who passed it with the
hint revealed."""
from __future__ import annotations

import re

from labkit.grading.feedback import feedback_html, report_html
from labkit.grading.gradebook import GRADES_COLUMNS, grades_rows


def _check(task: str, check: str, passed: bool, hidden: bool = False) -> dict:
    return {"lab": "99", "task": task, "check": check, "title": f"{check} title",
            "points": 2 if passed else 0, "max_points": 2, "passed": passed, "hidden": hidden,
            "scenarios": 1, "failed_scenarios": int(not passed),
            "hint": f"the concrete hint of {check}", "observed": "" if passed else "saw this",
            "expected": "" if passed else "wanted that"}


def _submission(learner: str, passed: dict[str, bool], hints: list[str] | None) -> dict:
    result = {"learner": learner, "lab": "99_example", "status": "ok", "seconds": 1.0,
              "notebook": "99_example.ipynb",
              "checks": [_check("task-1", "charges-and-records", passed["task-1"]),
                         _check("task-3", "permanent-failure", passed["task-3"]),
                         _check("task-3", "permanent-failure", passed["task-3"], hidden=True)]}
    result["score"] = sum(c["points"] for c in result["checks"])
    result["max"] = 6
    if hints is not None:       # results graded before hints were recorded have no key
        result["hints_revealed"] = hints
    return result


CLASS = [_submission("ada", {"task-1": True, "task-3": True}, ["task-3"]),
         _submission("bob", {"task-1": True, "task-3": True}, []),
         _submission("cy", {"task-1": True, "task-3": False}, ["task-1", "task-3"]),
         _submission("old", {"task-1": False, "task-3": True}, None)]


def test_grades_csv_has_a_hint_revealed_column_per_check_row():
    rows = grades_rows(CLASS)
    assert rows[0] == GRADES_COLUMNS and rows[0][-1] == "hint_revealed"
    revealed = {(r[0], r[3], r[7]): r[-1] for r in rows[1:]}
    assert revealed[("ada", "permanent-failure", False)] is True
    assert revealed[("ada", "permanent-failure", True)] is True
    assert revealed[("ada", "charges-and-records", False)] is False
    assert revealed[("cy", "charges-and-records", False)] is True
    assert not any(v for (learner, _, _), v in revealed.items() if learner in ("bob", "old"))


def test_feedback_keeps_every_detail_and_names_the_hints():
    page = feedback_html(CLASS[2])
    assert "saw this" in page and "wanted that" in page
    assert "the concrete hint of permanent-failure" in page
    assert "Lesson 03 (Errors and dead-letter queues)" in page   # lab 99 task-3's section
    assert "Hints revealed" in page and "<b>task-1, task-3</b>" in page
    assert "<b>none</b>" in feedback_html(CLASS[1]) and "<b>none</b>" in feedback_html(CLASS[3])


def test_report_counts_who_passed_with_the_hint_revealed():
    page = report_html(CLASS)
    cells = dict(re.findall(r"<tr><td>([^<]+)</td><td>\d+</td><td>([^<]+)</td></tr>", page))
    assert cells["task-3 permanent-failure"] == "1 of 3 who passed"          # ada, not cy
    assert cells["task-3 permanent-failure (hidden)"] == "1 of 3 who passed"
    assert cells["task-1 charges-and-records"] == "1 of 3 who passed"         # cy
    assert "2 revealed at least one task's hint" in page
