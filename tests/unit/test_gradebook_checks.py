"""checks.csv: per lab and check (the capstone's invariants), how many learners passed it and
which broke it, public or hidden."""
from __future__ import annotations

from labkit.grading.gradebook import CHECKS_COLUMNS, checks_rows


def _check(check: str, passed: bool, hidden: bool = False) -> dict:
    return {"task": "task-1", "check": check, "title": check.replace("-", " "), "passed": passed,
            "hidden": hidden}


def test_each_check_names_the_learners_who_broke_it():
    results = [
        {"learner": "ana", "lab": "14", "checks": [_check("charged-once", True),
                                                   _check("charged-once", False, hidden=True),
                                                   _check("alarm", True)]},
        {"learner": "bo", "lab": "14", "checks": [_check("charged-once", True),
                                                  _check("charged-once", True, hidden=True),
                                                  _check("alarm", False)]},
        {"learner": "cy", "lab": "14", "checks": [_check("charged-once", False),
                                                  _check("alarm", False)]},
        {"learner": "dee", "lab": "-", "checks": []},   # a submission that could not be graded
    ]
    rows = checks_rows(results)
    assert rows[0] == CHECKS_COLUMNS
    table = {row[2]: dict(zip(CHECKS_COLUMNS, row)) for row in rows[1:]}
    assert table["charged-once"]["learners"] == 3 and table["charged-once"]["passed"] == 1
    assert table["charged-once"]["broken_by"] == "ana cy"     # a hidden failure breaks it too
    assert table["alarm"]["broken_by"] == "bo cy"
