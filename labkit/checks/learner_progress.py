"""A self-paced learner's progress: which tasks passed their public checks, kept locally.

Stored in $LABKIT_HOME/progress.json (default ~/.labkit/progress.json), outside the repo.
Written atomically (temp file + rename) so an interrupted kernel never corrupts it.

Besides pass/fail per task it keeps what the hint tiers need (labkit.checks.report): how many
times each check has failed (a check that failed before gets the lesson pointer) and when the
learner asked for a task's concrete hint.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterable

from labkit.checks.framework import CheckResult, Lab
from labkit.isolation.atomic_files import write_atomic


def progress_path() -> Path:
    home = os.environ.get("LABKIT_HOME") or os.path.join(os.path.expanduser("~"), ".labkit")
    return Path(home) / "progress.json"


def load() -> dict[str, Any]:
    try:
        return json.loads(progress_path().read_text())
    except (OSError, ValueError):
        return {"labs": {}}


def failures(lab: Lab) -> dict[tuple[str, str], int]:
    """(task, check id) -> how many runs of that check have failed so far."""
    tasks = load().get("labs", {}).get(lab.number, {}).get("tasks", {})
    return {(task, check): entry.get("fails", 0)
            for task, task_entry in tasks.items()
            for check, entry in task_entry.get("checks", {}).items()}


def record(lab: Lab, results: list[CheckResult], hints_asked: Iterable[str] = ()) -> None:
    data = load()
    tasks = data.setdefault("labs", {}).setdefault(lab.number, {"title": lab.title, "tasks": {}})
    tasks["title"] = lab.title
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    for task in {r.task for r in results}:
        mine = [r for r in results if r.task == task and not r.hidden]
        entry = tasks["tasks"].setdefault(task, {"passed": False})
        entry.update(last_run=now, last_score=sum(r.points for r in mine),
                     max=sum(r.max_points for r in mine))
        if mine and all(r.passed for r in mine):
            entry["passed"] = True  # once passed stays passed: progress, not a grade
            entry.setdefault("first_passed", entry["last_run"])
        for r in mine:
            counts = entry.setdefault("checks", {}).setdefault(r.check, {"fails": 0})
            if not r.passed:
                counts["fails"] += 1
    for task in hints_asked:  # every ask, with its time: the learner can see what they asked
        entry = tasks["tasks"].setdefault(task, {"passed": False})
        entry.setdefault("hints_revealed", []).append(now)
    _write(data)


def _write(data: dict[str, Any]) -> None:
    # 0600: the learner's own record (what failed, which hints were asked), as it always was
    write_atomic(progress_path(), json.dumps(data, indent=2, sort_keys=True), mode=0o600)
