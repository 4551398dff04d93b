"""Fixtures for the grading suite: the example lab's code, extracted from its notebooks."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat
import pytest

from labkit.checks import get_lab
from labkit.grading.limits import learner_can_run_python

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = Path(__file__).parent / "mutants"


def handler_source(notebook: Path, handler_file: str) -> str:
    """The handler a lab notebook writes with %%writefile (what a learner's run produces)."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        first, _, body = cell.source.partition("\n")
        if cell.cell_type == "code" and first.strip() == f"%%writefile {handler_file}":
            return body
    raise AssertionError(f"{notebook} has no %%writefile {handler_file} cell")


@pytest.fixture(scope="session", autouse=True)
def learner_user_can_run_python():
    """Grading as root runs learner code as `nobody`, which must be able to start our Python.
    On this kind of machine the interpreter lives under /root (mode 0700): allow traversal
    (x only, not listing) of the folders in the way, as the grader's message tells an
    instructor to do."""
    if learner_can_run_python():
        real = Path(os.path.realpath(os.sys.executable))
        for folder in real.parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                os.chmod(folder, mode | stat.S_IXOTH)
    problem = learner_can_run_python()
    assert not problem, problem


@pytest.fixture(scope="session")
def lab99():
    return get_lab("99")


@pytest.fixture(scope="session")
def lab99_code(tmp_path_factory, lab99):
    """Paths of the solution's and the starter's handler files."""
    folder = tmp_path_factory.mktemp("lab99")
    os.chmod(folder, 0o755)
    paths = {}
    for kind, nb in (("solution", ROOT / "solutions" / lab99.notebook),
                     ("starter", ROOT / "labs" / lab99.notebook)):
        (folder / kind).mkdir()
        os.chmod(folder / kind, 0o755)
        path = folder / kind / lab99.handler_file
        path.write_text(handler_source(nb, lab99.handler_file))
        paths[kind] = path
    return paths
