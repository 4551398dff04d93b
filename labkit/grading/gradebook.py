"""The CSV outputs of `labkit grade`, rebuilt from the per-submission results each time one
finishes (so they are complete and consistent after any interruption).

  summary.csv  learner, lab, score, max, status, then seconds, notebook
  grades.csv   one row per learner x lab x check: points, max, passed, hidden, detail, and
               hint_revealed: whether the notebook asked for the concrete hint of the check's
               task (check(..., hint=True); labkit.grading.hints)
  checks.csv   one row per lab x check (for the capstone: per invariant): how many learners
               passed it, and which learners broke it (failed it, public or hidden)
  canvas.csv   Canvas's gradebook import format: Student, ID, SIS User ID, SIS Login ID,
               Section, one column per lab, and a "Points Possible" row first. (Canvas
               matches learners by ID, SIS User ID or SIS Login ID; we know the learner id
               only, so it fills Student and SIS Login ID. Source: Canvas instructor guide
               "How do I import grades in the Gradebook?", and OSU's "Import a CSV file to
               Carmen grades" which lists the required columns.)
"""
from __future__ import annotations

import csv
import io
from typing import Any

from labkit.isolation.atomic_files import write_atomic

SUMMARY_COLUMNS = ["learner", "lab", "score", "max", "status", "seconds", "notebook"]
GRADES_COLUMNS = ["learner", "lab", "task", "check", "points", "max", "passed", "hidden", "detail",
                  "hint_revealed"]
CHECKS_COLUMNS = ["lab", "task", "check", "title", "learners", "passed", "broken_by"]
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def summary_rows(results: list[dict[str, Any]]) -> list[list[Any]]:
    rows = [SUMMARY_COLUMNS]
    for r in results:
        rows.append([r["learner"], r["lab"], r["score"], r["max"], r["status"],
                     r.get("seconds", ""), r.get("notebook") or ""])
    return rows


def grades_rows(results: list[dict[str, Any]]) -> list[list[Any]]:
    rows = [GRADES_COLUMNS]
    for r in results:
        revealed = set(r.get("hints_revealed", []))   # results graded before hints: none
        for c in r["checks"]:
            if c["passed"]:
                detail = f"passed {c['scenarios']} scenario(s)"
            elif c["hidden"]:
                # hidden scenarios: outcome and hint only, never the schedule
                detail = f"failed {c['failed_scenarios']} of {c['scenarios']} hidden scenarios"
            else:
                detail = f"observed {c['observed']}; expected {c['expected']}"
            rows.append([r["learner"], r["lab"], c["task"], c["check"], c["points"],
                         c["max_points"], c["passed"], c["hidden"], detail,
                         c["task"] in revealed])
    return rows


def checks_rows(results: list[dict[str, Any]]) -> list[list[Any]]:
    """Per lab and check, in the lab's order: who broke it (any of its results failed)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        for c in r["checks"]:
            row = seen.setdefault((r["lab"], c["check"]), {"task": c["task"], "title": c.get("title", ""),
                                                           "learners": set(), "broken": set()})
            row["learners"].add(r["learner"])
            if not c["passed"]:
                row["broken"].add(r["learner"])
    rows = [CHECKS_COLUMNS]
    for (lab, check), row in seen.items():
        rows.append([lab, row["task"], check, row["title"], len(row["learners"]),
                     len(row["learners"] - row["broken"]), " ".join(sorted(row["broken"]))])
    return rows


def canvas_rows(results: list[dict[str, Any]], lab_titles: dict[str, str]) -> list[list[Any]]:
    labs = sorted({r["lab"] for r in results if r["lab"] != "-"})
    columns = [lab_titles.get(lab, lab) for lab in labs]
    possible: dict[str, int] = {}
    for r in results:
        if r["lab"] != "-":
            possible[r["lab"]] = max(possible.get(r["lab"], 0), r["max"])
    rows = [CANVAS_FIXED + columns,
            ["    Points Possible", "", "", "", ""] + [possible.get(lab, 0) for lab in labs]]
    learners = sorted({r["learner"] for r in results})
    for learner in learners:
        scores = {r["lab"]: r["score"] for r in results if r["learner"] == learner}
        rows.append([learner, "", "", learner, ""] + [scores.get(lab, 0) for lab in labs])
    return rows


def write_all(out_dir, results: list[dict[str, Any]], lab_titles: dict[str, str]) -> None:
    write_atomic(out_dir / "summary.csv", _csv(summary_rows(results)))
    write_atomic(out_dir / "grades.csv", _csv(grades_rows(results)))
    write_atomic(out_dir / "checks.csv", _csv(checks_rows(results)))
    write_atomic(out_dir / "canvas.csv", _csv(canvas_rows(results, lab_titles)))
