"""Every requirement a lab's task texts state has a check (issue: trust in a score, item 3).

labkit/checks/requirements.py quotes each lab notebook and names the check that covers each
quote. These tests tie the list to the notebooks and to the checks in both directions, and show
on planted drifts that they would notice one.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from labkit.checks import get_lab
from labkit.checks.requirements import REQUIREMENTS, Requirement

LABS_DIR = Path(__file__).resolve().parents[2] / "labs"
LAB_NUMBERS = sorted(p.name[:2] for p in LABS_DIR.glob("[0-9][0-9]_*.ipynb"))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def notebook_text(lab: str) -> str:
    notebook = nbformat.read(LABS_DIR / get_lab(lab).notebook, as_version=4)
    return flat("\n".join(cell.source for cell in notebook.cells))


def requirement_problems(lab: str, listed: tuple[Requirement, ...]) -> list[str]:
    """What is wrong with a lab's list: quotes not in its notebook, requirements naming no check
    of their task, tasks that state none, checks that cover none."""
    definition, text = get_lab(lab), notebook_text(lab)
    checks = {c.id: c for c in definition.checks}
    problems = []
    for req in listed:
        if flat(req.says) not in text:
            problems.append(f"{req.says!r} is not in labs/{definition.notebook}")
        if req.checked_by not in checks:
            problems.append(f"{req.says!r} names no check of the lab ({req.checked_by})")
        elif checks[req.checked_by].task != req.task:
            problems.append(f"{req.checked_by} checks {checks[req.checked_by].task}, not {req.task}")
    problems += [f"{task} states no requirement"
                 for task in sorted(set(definition.tasks) - {r.task for r in listed})]
    problems += [f"check {check} covers no requirement"
                 for check in sorted(set(checks) - {r.checked_by for r in listed})]
    return problems


def test_every_lab_lists_its_requirements():
    assert sorted(REQUIREMENTS) == LAB_NUMBERS


@pytest.mark.parametrize("lab", LAB_NUMBERS)
def test_every_requirement_is_quoted_and_checked_and_every_check_covers_one(lab):
    assert requirement_problems(lab, REQUIREMENTS[lab]) == []


@pytest.mark.parametrize("drift, problem", [
    (lambda reqs: reqs + (Requirement("task-1", "Do not raise: answer", "no-such-check"),),
     "names no check"),
    (lambda reqs: reqs + (Requirement("task-1", "a sentence the lab never says", "reports-failures"),),
     "is not in labs/"),
    (lambda reqs: tuple(r for r in reqs if r.task != "task-3"), "task-3 states no requirement"),
    (lambda reqs: tuple(r for r in reqs if r.checked_by != "configuration"),
     "check configuration covers no requirement"),
])
def test_a_drift_is_reported(drift, problem):
    problems = requirement_problems("01", drift(REQUIREMENTS["01"]))
    assert any(problem in p for p in problems), problems
