"""How a learner sees check results: an HTML table in Jupyter, plain text in a terminal."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from labkit.checks.framework import CheckResult, Lab


@dataclass
class CheckReport:
    lab: Lab
    task: str | None
    results: list[CheckResult]
    hidden_scenarios: int = 0        # how many more scenarios grading runs for these checks
    hidden_points: int = 0
    problem: str = ""                # e.g. "lab99_payment.py not found"
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def max_score(self) -> int:
        return sum(r.max_points for r in self.results)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results) and not self.problem

    def _heading(self) -> str:
        what = f"task {self.task}" if self.task else "all tasks"
        return f"Lab {self.lab.number} ({self.lab.title}), {what}: {self.score}/{self.max_score} points"

    def _footer(self) -> str:
        if not self.hidden_scenarios:
            return ""
        return (f"At grading time {self.hidden_scenarios} more scenarios (other inputs, "
                f"other fault schedules) run for these checks, worth {self.hidden_points} more "
                f"points: make the behaviour right, not just these cases.")

    def __str__(self) -> str:
        lines = [self._heading()]
        if self.problem:
            lines.append(f"  PROBLEM: {self.problem}")
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.task} {r.check}: {r.title} ({r.points}/{r.max_points})")
            if not r.passed:
                lines.append(f"         observed: {r.observed}")
                lines.append(f"         expected: {r.expected}")
                lines.append(f"         hint:     {r.hint}")
        lines += [f"  {n}" for n in self.notes]
        if self._footer():
            lines.append(f"  {self._footer()}")
        return "\n".join(lines)

    __repr__ = __str__  # a notebook without HTML (or a terminal) shows the text table

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r in self.results:
            colour = "#1a7f37" if r.passed else "#cf222e"
            detail = "" if r.passed else (
                f"<b>observed</b> {e(r.observed)}<br><b>expected</b> {e(r.expected)}"
                f"<br><b>hint</b> {e(r.hint)}")
            rows.append(
                f"<tr><td>{e(r.task)}</td><td>{e(r.title)}</td>"
                f"<td style='text-align:right'>{r.points}/{r.max_points}</td>"
                f"<td style='color:{colour};font-weight:bold'>{'PASS' if r.passed else 'FAIL'}</td>"
                f"<td style='text-align:left'>{detail}</td></tr>")
        problem = f"<p style='color:#cf222e'><b>{e(self.problem)}</b></p>" if self.problem else ""
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes)
        footer = f"<p><i>{e(self._footer())}</i></p>" if self._footer() else ""
        return (f"<div class='labkit-check'><h4>{e(self._heading())}</h4>{problem}"
                "<table><thead><tr><th>task</th><th>check</th><th>points</th><th>result</th>"
                f"<th>details</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"{notes}{footer}</div>")
