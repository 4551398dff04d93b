"""`labkit collect`: a class's lab notebooks from the learners' home folders into a grading
ROOT, reading the learners' files only."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from labkit.grading.collect import collect
from labkit.grading.submissions import discover

LAB = "02_idempotency.ipynb"
OTHER = "05_sagas.ipynb"


def _notebook(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "%s"}' % text)
    return path


def _snapshot(folder: Path) -> dict[str, tuple[float, str]]:
    return {str(p): (p.stat().st_mtime, p.read_text()) for p in folder.rglob("*") if p.is_file()}


def test_each_learners_labs_land_in_their_folder_and_homes_stay_untouched(tmp_path):
    homes = tmp_path / "home"
    _notebook(homes / "jupyter-ada" / "kit" / "labs" / LAB, "ada labs")
    _notebook(homes / "jupyter-ada" / "scratch" / LAB, "ada scratch, newer")  # not in labs/
    _notebook(homes / "jupyter-ada" / "kit" / "labs" / OTHER, "ada 05")
    _notebook(homes / "jupyter-ben" / LAB, "ben old")
    time.sleep(0.01)
    _notebook(homes / "jupyter-ben" / "copy" / LAB, "ben newest")
    _notebook(homes / "jupyter-ben" / "kit" / "labs" / ".ipynb_checkpoints" / LAB, "checkpoint")
    _notebook(homes / "jupyter-cy" / "notes.ipynb", "not a lab")
    os.symlink(homes / "jupyter-ada" / "kit" / "labs" / OTHER, homes / "jupyter-cy" / OTHER)
    before = _snapshot(homes)
    result = collect(homes, tmp_path / "class")
    assert _snapshot(homes) == before
    assert result.copied == {"ada": [LAB, OTHER], "ben": [LAB]}
    assert result.without_labs == ["cy"]      # a link to another learner's lab does not count
    root = tmp_path / "class"
    assert "ada labs" in (root / "ada" / LAB).read_text()       # labs/ wins over a newer copy
    assert "ben newest" in (root / "ben" / LAB).read_text()     # else the newest
    assert sorted((s.learner, s.lab) for s in discover(root)) == \
        [("ada", "02_idempotency"), ("ada", "05_sagas"), ("ben", "02_idempotency")]


def test_command_line(tmp_path):
    _notebook(tmp_path / "home" / "zoe" / "labs" / LAB, "zoe")
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "collect", str(tmp_path / "home"),
                           "--out", str(tmp_path / "class"), "--prefix", ""],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "class" / "zoe" / LAB).is_file()
    assert "labkit grade" in proc.stdout
