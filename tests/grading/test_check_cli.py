"""`labkit check PATH` (terminal users) and `labkit progress` (kept under $LABKIT_HOME)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from labkit.checks import check

ROOT = Path(__file__).resolve().parents[2]


def _env(server, home):
    env = dict(os.environ, AWS_ENDPOINT_URL=server.url, LABKIT_HOME=str(home))
    env.pop("LABKIT_BACKEND", None)
    return env


def _labkit(*args, env):
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600)


def test_check_and_progress_from_a_terminal(server, lab99, lab99_code, tmp_path):
    folder = tmp_path / "mylab"
    folder.mkdir()
    shutil.copy(ROOT / "labs" / lab99.notebook, folder / lab99.notebook)
    shutil.copy(lab99_code["starter"], folder / lab99.handler_file)
    env = _env(server, tmp_path / "home")

    failing = _labkit("check", str(folder / lab99.notebook), "--task", "task-1", env=env)
    assert failing.returncode == 1
    assert "[FAIL] task-1 charges-and-records" in failing.stdout
    assert "observed" in failing.stdout and "hint" in failing.stdout

    shutil.copy(lab99_code["solution"], folder / lab99.handler_file)
    passing = _labkit("check", str(folder), "--lab", "99", "--task", "task-1", env=env)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "[PASS] task-1 charges-and-records" in passing.stdout
    assert "more scenarios" in passing.stdout  # says how many more run at grading time

    progress = _labkit("progress", env=env)
    assert "task-1: Charge and record a payment: PASSED" in progress.stdout
    assert "task-2: Charge each order once, whatever the delivery: not tried" in progress.stdout
    stored = json.loads((tmp_path / "home" / "progress.json").read_text())
    assert stored["labs"]["99"]["tasks"]["task-1"]["passed"] is True


def test_report_renders_html_and_text(server, lab99, lab99_code, tmp_path, monkeypatch):
    monkeypatch.setenv("LABKIT_HOME", str(tmp_path))
    report = check("99", "task-3", folder=lab99_code["starter"].parent,
                   endpoint_url=server.url)
    html = report._repr_html_()
    assert "<table>" in html and "FAIL" in html and "hint" in html
    assert str(report).startswith("Lab 99") and report.score == 0
    missing = check("99", "task-1", folder=tmp_path, endpoint_url=server.url)
    assert "not found" in missing.problem and not missing.passed
