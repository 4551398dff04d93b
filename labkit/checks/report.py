"""How a learner sees check results: an HTML table in Jupyter, plain text in a terminal.

A failing check shows hints in tiers, so that the first failure asks a question instead of
answering it (every starter fails every check on its first run):
  1. first failure of a check: what was observed and what was expected, nothing more;
  2. a check that failed before (labkit.checks.learner_progress counts failures): also a
     pointer to the lesson section its task practises;
  3. only when the learner asks, ``check(..., hint=True)``: also the concrete hint, marked as
     revealed. The ask is recorded in progress.json and, for the grader, in the notebook output
     (display metadata ``{"labkit": {"hint_revealed": [lab, task, ...]}}``).
Instructors' feedback files show everything (labkit.grading.feedback).
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from labkit.checks.framework import CheckResult, Lab

LESSONS = Path(__file__).resolve().parents[2] / "notebooks"
OBSERVED, LESSON, HINT = "observed", "lesson", "hint"   # the tiers, in order


@lru_cache(maxsize=None)
def lesson_title(notebook: str) -> str | None:
    """"Errors and dead-letter queues" from the first heading of notebooks/03_errors...ipynb."""
    try:
        cells = json.loads((LESSONS / notebook).read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and source.startswith("# "):
            return source.splitlines()[0][2:].split("·", 1)[-1].strip()
    return None


def lesson_pointer(lab: Lab, task: str) -> str:
    """Where the lesson shows what the task practises: its section when the lab names one,
    else the task's title (the lesson notebook by name either way)."""
    notebook, heading = lab.lesson_section(task)
    number = notebook.split("_", 1)[0]
    title = lesson_title(notebook)
    lesson = f"Lesson {number} ({title})" if title else f"Lesson {number}"
    if heading:
        section = f'the section "{heading}"'
    else:   # the lab names no section yet: the task says what to look for
        section = f'the section on what {task} ("{lab.tasks.get(task, task)}") practises'
    return f"{lesson} shows this behaviour; re-read {section} (notebooks/{notebook})."


@dataclass
class CheckReport:
    lab: Lab
    task: str | None
    results: list[CheckResult]
    hidden_scenarios: int = 0        # how many more scenarios grading runs for these checks
    hidden_points: int = 0
    problem: str = ""                # e.g. "lab99_payment.py not found"
    notes: list[str] = field(default_factory=list)
    # the hint tiers: failures of each (task, check) recorded before this run, the tasks whose
    # concrete hint was asked for, how to ask ("{task}" is filled in), where asks are recorded
    previous_fails: dict[tuple[str, str], int] = field(default_factory=dict)
    hint_tasks: tuple[str, ...] = ()
    ask_for_hint: str = ""
    asks_recorded: str = ("in your progress and in this notebook's output, which your "
                          "instructor sees")

    @property
    def score(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def max_score(self) -> int:
        return sum(r.max_points for r in self.results)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results) and not self.problem

    def tier(self, r: CheckResult) -> str:
        if r.task in self.hint_tasks:
            return HINT
        return LESSON if self.previous_fails.get((r.task, r.check), 0) else OBSERVED

    def details(self, r: CheckResult) -> list[tuple[str, str]]:
        """(label, text) lines shown under a failing check, as far as its tier goes."""
        lines = [("observed", r.observed), ("expected", r.expected)]
        tier = self.tier(r)
        if tier in (LESSON, HINT):
            lines.append(("lesson", lesson_pointer(self.lab, r.task)))
        if tier == HINT:
            lines.append(("hint", r.hint))
        return lines

    def _heading(self) -> str:
        what = f"task {self.task}" if self.task else "all tasks"
        return f"Lab {self.lab.number} ({self.lab.title}), {what}: {self.score}/{self.max_score} points"

    def _footer(self) -> str:
        if not self.hidden_scenarios:
            return ""
        return (f"At grading time {self.hidden_scenarios} more scenarios (other inputs, "
                f"other fault schedules) run for these checks, worth {self.hidden_points} more "
                f"points: make the behaviour right, not just these cases.")

    def _tier_notes(self) -> list[str]:
        """What the learner can do next, given the tiers shown."""
        failing = [r for r in self.results if not r.passed]
        tiers = {self.tier(r) for r in failing}
        notes = []
        if OBSERVED in tiers:
            notes.append("Change your code and run the check again: a check that fails again "
                         "points you to the lesson section its task practises.")
        unrevealed = [r.task for r in failing if self.tier(r) != HINT]
        if unrevealed:
            ask = (self.ask_for_hint or f'check("{self.lab.number}", "{{task}}", hint=True)')
            notes.append(f"Still stuck? {ask.replace('{task}', unrevealed[0])} reveals a concrete "
                         f"hint; asking is recorded {self.asks_recorded}.")
        if self.hint_tasks:
            shown = "" if HINT in tiers else " (no check failed: no hint to show)"
            notes.append(f"Hint revealed for {', '.join(self.hint_tasks)}{shown}: recorded "
                         f"{self.asks_recorded}.")
        return notes

    def __str__(self) -> str:
        lines = [self._heading()]
        if self.problem:
            lines.append(f"  PROBLEM: {self.problem}")
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.task} {r.check}: {r.title} ({r.points}/{r.max_points})")
            if not r.passed:
                lines += [f"         {label + ':':<9} {text}" for label, text in self.details(r)]
        lines += [f"  {n}" for n in self.notes + self._tier_notes()]
        if self._footer():
            lines.append(f"  {self._footer()}")
        return "\n".join(lines)

    __repr__ = __str__  # a notebook without HTML (or a terminal) shows the text table

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r in self.results:
            colour = "#1a7f37" if r.passed else "#cf222e"
            detail = "" if r.passed else "<br>".join(
                f"<b>{e(label)}</b> {e(text)}" for label, text in self.details(r))
            rows.append(
                f"<tr><td>{e(r.task)}</td><td>{e(r.title)}</td>"
                f"<td style='text-align:right'>{r.points}/{r.max_points}</td>"
                f"<td style='color:{colour};font-weight:bold'>{'PASS' if r.passed else 'FAIL'}</td>"
                f"<td style='text-align:left'>{detail}</td></tr>")
        problem = f"<p style='color:#cf222e'><b>{e(self.problem)}</b></p>" if self.problem else ""
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes + self._tier_notes())
        footer = f"<p><i>{e(self._footer())}</i></p>" if self._footer() else ""
        return (f"<div class='labkit-check'><h4>{e(self._heading())}</h4>{problem}"
                "<table><thead><tr><th>task</th><th>check</th><th>points</th><th>result</th>"
                f"<th>details</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"{notes}{footer}</div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter's display: HTML and text, plus the marker the grader reads from the notebook
        a learner hands in when they asked for a hint."""
        data = {"text/plain": str(self), "text/html": self._repr_html_()}
        if not self.hint_tasks:
            return data
        return data, {"labkit": {"hint_revealed": [self.lab.number, *self.hint_tasks]}}
