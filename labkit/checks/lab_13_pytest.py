"""Run the learner's tests (one class of lab 13's test file) against one implementation of the
bookings service: pytest in a subprocess, under the sandbox's limits and, when grading as root,
as the unprivileged user; an environment holding only what the tests are given (no grader
state, no seed); a deadline. The run is read back as lesson 13's TierRun (its pytest table).

A skipped test is not a pass and an empty run proves nothing (TierRun.passed); a run that
outlives its deadline did not finish, which is neither a pass nor a catch.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from labkit.checks.framework import Scenario
from labkit.isolation.limits import give_to_learner, limited_command
from labkit.lessons.testing_lesson import TEST_COLUMNS, TierRun, junit_rows

NO_BACKEND = "http://127.0.0.1:9"    # the discard port: nothing answers (unit tests need no AWS)
TIMED_OUT = -1


def run_tests(s: Scenario, tests: Path, test_class: str, app: Path, env: dict[str, str],
              label: str, timeout_s: float) -> TierRun:
    """``pytest tests::test_class`` with `app` (the service's files) on the import path."""
    with tempfile.TemporaryDirectory(prefix="lab13-tests-") as scratch:
        work = Path(scratch)
        shutil.copytree(app, work / "app")
        shutil.copyfile(tests, work / tests.name)
        give_to_learner(scratch)
        for path in [work, *work.rglob("*")]:      # readable by the unprivileged user
            path.chmod(0o755 if path.is_dir() else 0o644)
        report = work / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line",
                   f"--rootdir={work}", "-c", os.devnull, f"--junitxml={report}",
                   f"{tests.name}::{test_class}"]
        limits = s.target.limits
        began = time.monotonic()
        try:
            done = subprocess.run(
                limited_command(command, limits.memory_mb, limits.cpu_s, limits.file_mb,
                                drop_root=s.target.drop_root),
                cwd=work, env=_environment(s, work, env), capture_output=True, text=True,
                timeout=timeout_s)
            returncode, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as stopped:
            returncode, output = TIMED_OUT, str(stopped.stdout or "")
        seconds = time.monotonic() - began
        tests_run = junit_rows(report.read_text()) if report.exists() else pd.DataFrame(columns=TEST_COLUMNS)
    return TierRun(label, tests_run, seconds, returncode, output[-3000:])


def _environment(s: Scenario, work: Path, given: dict[str, str]) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
           "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(work / "app"),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    if s.target.endpoint_url:    # an emulator: dummy credentials, never real ones
        env.update(AWS_ENDPOINT_URL=s.target.endpoint_url, AWS_ACCESS_KEY_ID="test",
                   AWS_SECRET_ACCESS_KEY="test")
    else:                        # real AWS (a learner's own account): the credentials they use
        env["HOME"] = os.path.expanduser("~")
        env.update({k: v for k, v in os.environ.items() if k in (
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")})
    env.update(given)
    return env


def first_problem(run: TierRun) -> str:
    """What a run that did not pass showed first: a failing test's message, a skip, pytest's
    own complaint (a collection error), or the deadline."""
    if run.returncode == TIMED_OUT:
        return f"did not finish within {run.seconds:.0f} s"
    bad = run.tests[run.tests["outcome"] != "passed"]
    if len(bad):
        row = bad.iloc[0]
        return f"{row['test']} {row['outcome']}: {row['message'][:200]}"
    if not len(run.tests):
        lines = [line for line in run.output.splitlines() if line.strip()]
        return f"no test ran ({(lines[-1] if lines else 'no output')[:200]})"
    return f"pytest exited with code {run.returncode}"
