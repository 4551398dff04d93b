"""Every lab graded end to end, the way an instructor grades it: `labkit grade` on a class
whose learners hand in one notebook per lab, alone (no files beside it). The solution
notebook must get full marks, public and hidden; the starter notebook must get nothing.

This is the only test that sees what travels from a learner's notebook run to the checks:
the self-tests (test_labNN_checks.py) call the checks directly with files extracted from the
notebooks, so a file a lab's checks read but grading does not copy (lab 05's state machine
once) goes unnoticed there. The self-tests cover the other seeds; this one covers SEEDS[0].
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.checks import LAB_MODULES, get_lab
from labkit.checks.framework import CheckResult
from labkit.checks.report import CheckReport
from tests.grading.lab_self_tests import SEEDS
from tests.grading.solution_tokens import assert_first_failure_shows_no_solution

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(LAB_MODULES)
HANDED_IN = {"solution": ROOT / "solutions", "starter": ROOT / "labs"}


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """One class, graded once: learner `solution` hands in every solution notebook, learner
    `starter` every starter. -> {(learner, lab number): summary row + its results JSON}."""
    tmp = tmp_path_factory.mktemp("class")
    os.chmod(tmp, 0o755)
    for learner, folder in HANDED_IN.items():
        (tmp / "hand-in" / learner).mkdir(parents=True)
        for number in LABS:
            shutil.copy(folder / get_lab(number).notebook, tmp / "hand-in" / learner)
    for path in [tmp / "hand-in", *(tmp / "hand-in").rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    out = tmp / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "grade", str(tmp / "hand-in"), "--out", str(out),
         "--seed", SEEDS[0], "--workers", "2"],   # as an instructor would on 2 cores: the
                                                   # slowest test of the suite (22 notebooks)
        cwd=tmp, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {}
    with open(out / "summary.csv") as f:
        for row in csv.DictReader(f):
            number = row["lab"][:2]
            key = f"{row['learner']}-{row['lab']}"
            row["result"] = json.loads((out / "results" / f"{key}.json").read_text())
            rows[(row["learner"], number)] = row
    return rows


def _failed_checks(row: dict) -> list[str]:
    """The row's status and run (why a notebook stopped early), then each check it lost."""
    cells = row["result"].get("cells") or {}
    ran = {k: cells[k] for k in ("errors", "timeouts", "kernel_died_at", "runner_error",
                                 "notebook_timed_out") if cells.get(k)}
    return [f"status: {row['status']}; run: {json.dumps(ran)[:1500]}"] + [
        f"{c['check']}{' (hidden)' if c['hidden'] else ''}: {c['observed'][:200]}"
        for c in row["result"]["checks"] if not c["passed"]]


@pytest.mark.parametrize("number", LABS)
def test_solution_handed_in_alone_gets_full_marks(gradebook, number):
    row = gradebook[("solution", number)]
    assert int(row["score"]) == int(row["max"]) > 0, _failed_checks(row)
    assert row["status"] == "ok"
    hidden = {c["hidden"] for c in row["result"]["checks"]}
    assert hidden == {False, True}, "public and hidden scenarios both graded"


@pytest.mark.parametrize("number", LABS)
def test_starter_handed_in_alone_gets_zero(gradebook, number):
    row = gradebook[("starter", number)]
    assert int(row["max"]) > 0
    passed = [c["check"] for c in row["result"]["checks"] if c["passed"]]
    assert int(row["score"]) == 0 and not passed, passed
    untold = [c["check"] for c in row["result"]["checks"] if not c["observed"]]
    assert not untold, f"the learner is not told what was observed: {untold}"


@pytest.mark.parametrize("number", LABS)
def test_starter_first_failure_shows_no_solution(gradebook, number):
    """What a learner's first `check()` of the starter shows (every task's public checks, none
    failed before: observed and expected only), built from the starter's graded public results:
    the same checks on the same files. See test_first_failure_shows_no_solution."""
    lab = get_lab(number)
    public = [CheckResult(**c) for c in gradebook[("starter", number)]["result"]["checks"]
              if not c["hidden"]]
    assert public and not [r.check for r in public if r.passed]
    specs = lab.checks_for(None)
    report = CheckReport(lab, None, public, sum(s.hidden_count for s in specs),
                         sum(s.points for s in specs if s.hidden_count))
    assert {report.tier(r) for r in report.results} == {"observed"}
    assert_first_failure_shows_no_solution(report)


def test_every_file_a_lab_notebook_writes_for_its_checks_is_declared():
    """What the grader copies is the lab's declaration: every %%writefile of a lab notebook
    must be in it, or the checks would grade a submission without it."""
    import nbformat

    for number in LABS:
        lab = get_lab(number)
        nb = nbformat.read(ROOT / "solutions" / lab.notebook, as_version=4)
        written = {c.source.split("\n", 1)[0].split()[1] for c in nb.cells
                   if c.cell_type == "code" and c.source.startswith("%%writefile")}
        assert written == set(lab.submitted_files), (number, written, lab.submitted_files)
