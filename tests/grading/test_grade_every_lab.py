"""Every lab graded end to end, the way an instructor grades it: `labkit grade` on a class
whose learners hand in one notebook per lab, alone (no files beside it). The solution
notebook must get full marks, public and hidden; the starter notebook must get nothing.

This is the only test that sees what travels from a learner's notebook run to the checks:
the self-tests (test_labNN_checks.py) call the checks directly with files extracted from the
notebooks, so a file a lab's checks read but grading does not copy (lab 05's state machine
once) goes unnoticed there. The self-tests cover the other seeds; this one covers SEEDS[0].

It is also where each solution notebook runs (once in `make test`), on one of the two runtime
paths: the labs alternate, as the lessons do in the browser suite, between Linux's
(awslambdaric) and the macOS/Windows one (LABKIT_PORTABLE=1: backend, kernel and checks),
so a lab whose notebook or checks work on one path only fails here. The self-tests run every
lab's checks on awslambdaric; the browser suite shows one solution's checker tables.
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
from labkit.platform_support import PORTABLE_ENV
from tests.grading.lab_self_tests import SEEDS
from tests.grading.lost_points import lost_points
from tests.grading.solution_tokens import assert_first_failure_shows_no_solution

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(LAB_MODULES)
# lab -> graded on the macOS/Windows runtime path: every other one
ON_PORTABLE_PATH = {number: i % 2 == 1 for i, number in enumerate(LABS)}
HANDED_IN = {"solution": ROOT / "solutions", "starter": ROOT / "labs"}


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Two classes (one per runtime path), graded side by side, one submission at a time each:
    learner `solution` hands in the solution notebook of every lab on that path, learner
    `starter` its starter. -> {(learner, lab number): summary row + its results JSON}."""
    runs = {portable: _grade_class(tmp_path_factory.mktemp("portable" if portable else "linux"),
                                   [n for n in LABS if ON_PORTABLE_PATH[n] == portable], portable)
            for portable in (False, True)}
    rows = {}
    for portable, (proc, out) in runs.items():
        proc.wait(timeout=1800)
        assert proc.returncode == 0, (out.parent / "grade.log").read_text()
        with open(out / "summary.csv") as f:
            for row in csv.DictReader(f):
                key = f"{row['learner']}-{row['lab']}"
                row["result"] = json.loads((out / "results" / f"{key}.json").read_text())
                row["runtime path"] = "portable" if portable else "awslambdaric"
                rows[(row["learner"], row["lab"][:2])] = row
    return rows


def _grade_class(tmp: Path, labs: list[str], portable: bool):
    """Start `labkit grade` on a class handing in `labs`; -> (process, output folder)."""
    os.chmod(tmp, 0o755)
    for learner, folder in HANDED_IN.items():
        (tmp / "hand-in" / learner).mkdir(parents=True)
        for number in labs:
            shutil.copy(folder / get_lab(number).notebook, tmp / "hand-in" / learner)
    for path in [tmp / "hand-in", *(tmp / "hand-in").rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    out = tmp / "grades"
    env = {k: v for k, v in os.environ.items() if k != PORTABLE_ENV}
    if portable:
        env[PORTABLE_ENV] = "1"
    # two classes, one worker each: 2 submissions at a time, as an instructor would grade on
    # 2 cores (--workers 2); the slowest test of the suite
    with open(tmp / "grade.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "labkit.cli", "grade", str(tmp / "hand-in"), "--out", str(out),
             "--seed", SEEDS[0], "--workers", "1"],
            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, out


@pytest.mark.parametrize("number", LABS)
def test_solution_handed_in_alone_gets_full_marks(gradebook, number):
    row = gradebook[("solution", number)]
    assert int(row["score"]) == int(row["max"]) > 0, (row["runtime path"], lost_points(row["result"]))
    assert row["status"] == "ok"
    hidden = {c["hidden"] for c in row["result"]["checks"]}
    assert hidden == {False, True}, "public and hidden scenarios both graded"


@pytest.mark.parametrize("number", LABS)
def test_starter_handed_in_alone_gets_zero(gradebook, number):
    row = gradebook[("starter", number)]
    assert int(row["max"]) > 0
    passed = [c["check"] for c in row["result"]["checks"] if c["passed"]]
    assert int(row["score"]) == 0 and not passed, (row["runtime path"], passed)
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
