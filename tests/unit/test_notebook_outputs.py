"""Notebooks are committed without outputs (issue 2: "a notebook committed with outputs makes
`make test` fail"). The last test is the gate itself, over every notebook git tracks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labkit.notebook_outputs import check, find_notebooks, problems

ROOT = Path(__file__).resolve().parents[2]


def _notebook(with_outputs: bool):
    code = new_code_cell("print('hi')")
    if with_outputs:
        code.execution_count = 1
        code.outputs = [new_output("stream", name="stdout", text="hi\n")]
    return new_notebook(cells=[new_markdown_cell("# t"), code])


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", "strip-outputs", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_notebook_with_outputs_fails_the_check_and_is_named(tmp_path):
    nbformat.write(_notebook(with_outputs=False), tmp_path / "clean.ipynb")
    (tmp_path / "sub").mkdir()
    nbformat.write(_notebook(with_outputs=True), tmp_path / "sub" / "dirty.ipynb")
    result = _run("--check", str(tmp_path))
    assert result.returncode == 1
    assert "dirty.ipynb" in result.stdout and "clean.ipynb" not in result.stdout
    assert "make strip-outputs" in result.stderr


def test_clean_folder_passes_the_check(tmp_path):
    nbformat.write(_notebook(with_outputs=False), tmp_path / "clean.ipynb")
    result = _run("--check", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_execution_count_alone_is_a_problem():
    nb = _notebook(with_outputs=False)
    nb.cells[1].execution_count = 7
    assert problems(nb) == ["cell 1: execution_count 7"]


def test_saved_widget_state_is_a_problem():
    nb = _notebook(with_outputs=False)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert problems(nb) == ["metadata.widgets: saved widget state"]


def test_strip_makes_a_dirty_notebook_pass(tmp_path):
    path = tmp_path / "dirty.ipynb"
    nbformat.write(_notebook(with_outputs=True), path)
    assert check([tmp_path])
    assert _run(str(tmp_path)).returncode == 0
    assert check([tmp_path]) == {}
    stripped = nbformat.read(path, as_version=4)
    assert stripped.cells[1].source == "print('hi')"  # code kept, only outputs gone


def test_checkpoints_are_ignored(tmp_path):
    (tmp_path / ".ipynb_checkpoints").mkdir()
    nbformat.write(_notebook(with_outputs=True), tmp_path / ".ipynb_checkpoints" / "x-checkpoint.ipynb")
    assert find_notebooks([tmp_path]) == []


def test_every_notebook_in_the_repo_is_committed_without_outputs():
    """The gate: tracked notebooks, plus untracked ones about to be added (not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.ipynb"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    notebooks = [ROOT / p for p in listed if (ROOT / p).exists()]
    dirty = check(notebooks)
    names = " ".join(str(path.relative_to(ROOT)) for path in dirty)
    assert not dirty, (f"notebooks committed with outputs; strip them with\n"
                       f"  .venv/bin/labkit strip-outputs {names}\n" + "\n".join(
                           f"  {path.relative_to(ROOT)}: {found[0]}" for path, found in dirty.items()))
