"""Helpers for lesson 13 (testing serverless code): pytest run in a subprocess and read back as a
table, bugs planted in a copy of the code, which test tier caught which bug (table and plot),
the AWS names in each file, what a change of adapter touched, a second emulator to point the
tests at, and the clean-up of a run.

    run = run_pytest(WORK / "tests", "unit", pythonpath=[WORK / "app"], label="unit")
    run.passed, run.seconds, run.tests          # one row per test: outcome, seconds, message
    planted = plant(WORK / "app", WORK / "bug-1", "orders_domain.py", old, new)
    show_figure(plot_tiers(verdict_rows, "emulated"))

Nothing here talks to AWS (a run's clean-up is labkit.cleanup.remove_run); ``second_endpoint``
starts a process only when called.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

TEST_COLUMNS = ["test", "outcome", "seconds", "message"]
# Names that tie a line of code to AWS: the SDK, the services, and the shapes of their events.
AWS_NAMES = re.compile(r"boto3|botocore|dynamodb|DynamoDB|\bsqs\b|SQS|QueueUrl|put_item|get_item"
                       r"|send_message|Records|messageId|batchItemFailures|itemIdentifier")


# -- pytest in a subprocess --------------------------------------------------------------------
@dataclass
class TierRun:
    """One pytest run: its tests as a table, how long it took, and pytest's own text output."""
    label: str
    tests: pd.DataFrame
    seconds: float
    returncode: int
    output: str = ""

    @property
    def passed(self) -> bool:
        """pytest's own verdict (exit code 0), at least one test ran (an empty run proves nothing),
        and none was skipped (a skipped test proves nothing either: the kit's own rule)."""
        return (self.returncode == 0 and len(self.tests) > 0
                and not (self.tests["outcome"] == "skipped").any())

    @property
    def verdict(self) -> str:
        return "passed" if self.passed else "FAILED"

    def summary(self) -> str:
        counts = self.tests["outcome"].value_counts().to_dict() if len(self.tests) else {}
        parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests ran"
        return f"{self.label}: {self.verdict} ({parts}) in {self.seconds:.1f} s"


def junit_rows(xml_text: str) -> pd.DataFrame:
    """pytest's JUnit XML report -> one row per test: name, outcome, seconds, first line of the
    failure message."""
    rows = []
    for case in ET.fromstring(xml_text).iter("testcase"):
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            found = case.find(kind)
            if found is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
                message = (found.get("message") or found.text or "").strip().splitlines()
                message = message[0] if message else ""
                break
        module = (case.get("classname") or "").rsplit(".", 1)[-1]
        rows.append({"test": f"{module}::{case.get('name')}" if module else case.get("name"),
                     "outcome": outcome, "seconds": round(float(case.get("time") or 0), 3),
                     "message": message[:300]})
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def run_pytest(folder, *paths, pythonpath=(), env: dict | None = None, label: str = "",
               timeout: float = 300.0) -> TierRun:
    """``python -m pytest -q PATHS`` in ``folder`` (its rootdir: pytest reads the conftest.py
    files from there down, and no configuration file from anywhere else), in a subprocess with
    this process's environment (so the endpoint and credentials boto3 uses here) plus ``env``,
    and ``pythonpath`` first on the import path. Third-party pytest plugins are not loaded: a
    faster start, the same verdicts."""
    folder = Path(folder).resolve()
    with tempfile.TemporaryDirectory(prefix="pytest-report-") as scratch:
        report = Path(scratch) / "report.xml"
        run_env = {**os.environ, **(env or {}), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                   "PYTHONDONTWRITEBYTECODE": "1"}
        run_env["PYTHONPATH"] = os.pathsep.join([str(Path(p).resolve()) for p in pythonpath]
                                                + [p for p in [os.environ.get("PYTHONPATH")] if p])
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line",
                   f"--rootdir={folder}", "-c", os.devnull, f"--junitxml={report}", *map(str, paths)]
        began = time.monotonic()
        done = subprocess.run(command, cwd=folder, env=run_env, capture_output=True, text=True,
                              timeout=timeout)
        seconds = time.monotonic() - began
        tests = junit_rows(report.read_text()) if report.exists() else pd.DataFrame(columns=TEST_COLUMNS)
    return TierRun(label or " ".join(map(str, paths)) or str(folder), tests, seconds, done.returncode,
                   (done.stdout + done.stderr)[-3000:])


def pytest_table(*runs: TierRun) -> pd.DataFrame:
    """Several runs' tests in one table, a mark per outcome (for display)."""
    frames = [run.tests.assign(run=run.label) for run in runs]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TEST_COLUMNS + ["run"])
    frame.insert(0, "", frame["outcome"].map({"passed": "✓", "failed": "✗", "error": "✗"}).fillna("–"))
    return frame[["", "run", "test", "outcome", "seconds", "message"]]


# -- planting bugs in a copy of the code ---------------------------------------------------------
def plant(source: Path, target: Path, file: str | None = None, old: str = "", new: str = "") -> Path:
    """Copy the folder ``source`` to ``target`` and, if ``file`` is given, replace the one
    occurrence of ``old`` in it by ``new``. Refuses a text that is not there exactly once: a bug
    that is not planted would make its verdicts meaningless."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    if file is not None:
        path = target / file
        text = path.read_text()
        if text.count(old) != 1:
            raise ValueError(f"{file}: {old!r} occurs {text.count(old)} times, not once")
        path.write_text(text.replace(old, new))
    return target


# -- which tier caught which bug ------------------------------------------------------------------
def verdict_table(rows: list[dict]) -> pd.DataFrame:
    """rows of {"bug", "tier", "passed", "seconds"} -> bug x tier: "caught" or "missed"
    ("passed" for the code without a planted bug, where a failure would be a false alarm)."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    clean = frame["bug"] == "none"
    frame["verdict"] = [("passed" if ok else "FALSE ALARM") if is_clean else ("missed" if ok else "caught")
                        for ok, is_clean in zip(frame["passed"], clean)]
    table = frame.pivot_table(index="bug", columns="tier", values="verdict", aggfunc="last", sort=False)
    tiers = [t for t in ("unit", "integration", "end-to-end") if t in table.columns]
    return table[tiers]


def plot_tiers(rows: list[dict], timing: str, title: str = "which test tier catches which bug"):
    """Left: bug x tier, red where the tier's tests failed (caught the bug), green where they
    passed. Right: how long each tier took, per bug."""
    frame = pd.DataFrame(rows)
    bugs = list(dict.fromkeys(frame["bug"]))
    tiers = [t for t in ("unit", "integration", "end-to-end") if t in set(frame["tier"])]
    last = frame.groupby(["bug", "tier"], sort=False).last()
    fig, (grid, bars) = plt.subplots(1, 2, figsize=(11, 0.55 * len(bugs) + 1.8),
                                     gridspec_kw={"width_ratios": [1.2, 1]})
    for i, bug in enumerate(bugs):
        for j, tier in enumerate(tiers):
            if (bug, tier) not in last.index:
                continue
            ok = bool(last.loc[(bug, tier), "passed"])
            color = "#c8e6c9" if ok else "#ef9a9a"
            word = "passes" if ok else "FAILS"
            grid.add_patch(plt.Rectangle((j, i), 0.96, 0.9, color=color))
            grid.text(j + 0.48, i + 0.45, f"{word}\n{last.loc[(bug, tier), 'seconds']:.1f} s",
                      ha="center", va="center", fontsize=8)
    grid.set_xlim(0, len(tiers)), grid.set_ylim(len(bugs), 0)
    grid.set_xticks([j + 0.48 for j in range(len(tiers))], tiers)
    grid.set_yticks([i + 0.45 for i in range(len(bugs))], bugs, fontsize=8)
    grid.tick_params(length=0)
    for side in grid.spines.values():
        side.set_visible(False)
    grid.set_title("the tier's tests (red: the bug is caught)", fontsize=9)
    width = 0.8 / max(len(tiers), 1)
    for j, tier in enumerate(tiers):
        seconds = [last.loc[(bug, tier), "seconds"] if (bug, tier) in last.index else 0 for bug in bugs]
        bars.barh([i + (j - (len(tiers) - 1) / 2) * width for i in range(len(bugs))], seconds,
                  height=width, label=tier)
    bars.set_yticks(range(len(bugs)), bugs, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlabel(f"seconds per run on this machine (backend: {timing})")
    bars.legend(fontsize=8, ncol=len(tiers), loc="upper center", bbox_to_anchor=(0.5, -0.22))
    bars.set_title("what each tier costs", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig


# -- lock-in: the AWS names in each file, and what a change touched -----------------------------------
def aws_surface(files: dict[str, str]) -> pd.DataFrame:
    """Per file: its lines of code, and how many of them name the AWS SDK, a service or one of
    its event shapes (AWS_NAMES). Comments, docstrings and blank lines are not code."""
    rows = []
    for name, text in files.items():
        code = _code_lines(text)
        aws = [line for line in code if AWS_NAMES.search(line)]
        rows.append({"file": name, "lines of code": len(code), "lines naming AWS": len(aws),
                     "share": f"{len(aws) / len(code):.0%}" if code else "-"})
    return pd.DataFrame(rows).set_index("file")


def _code_lines(text: str) -> list[str]:
    lines, in_doc = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if in_doc:
            in_doc = not (line.endswith('"""') or line.endswith("'''"))
            continue
        if line.startswith(('"""', "'''")):
            closes = len(line) > 3 and (line.endswith('"""') or line.endswith("'''"))
            in_doc = not closes
            continue
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def changed_lines(before: dict[str, str], after: dict[str, str]) -> pd.DataFrame:
    """Per file (in either version): lines added and removed between the two versions."""
    rows = []
    for name in list(dict.fromkeys([*before, *after])):
        old, new = before.get(name, "").splitlines(), after.get(name, "").splitlines()
        diff = list(difflib.unified_diff(old, new, lineterm="", n=0))
        added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
        removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
        state = "new" if name not in before else "deleted" if name not in after else (
            "changed" if added or removed else "unchanged")
        rows.append({"file": name, "status": state, "lines added": added, "lines removed": removed})
    return pd.DataFrame(rows).set_index("file")


def read_files(folder: Path, pattern: str = "*.py") -> dict[str, str]:
    """name relative to folder -> text, for every file matching pattern below it."""
    return {p.relative_to(folder).as_posix(): p.read_text()
            for p in sorted(folder.rglob(pattern)) if "__pycache__" not in p.parts}


# -- a second endpoint --------------------------------------------------------------------------------
def second_endpoint(current: str):
    """Start another emulator beside the current backend: MiniStack when it is installed
    (`make ministack`) and is not the current one, else a second embedded backend. Returns
    (process with .url and .stop(), a label)."""
    from labkit.ministack import MiniStackProcess, installed_version

    version = installed_version()
    if current != "ministack" and version:
        return MiniStackProcess().start(), f"MiniStack {version}"
    from labkit.emulator.server import ServerProcess

    return ServerProcess().start(), "a second embedded backend"
