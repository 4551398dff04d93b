"""Fixtures for the grading suite: the labs' code, extracted from their notebooks, and the planted
bugs of mutants/ (each a small patch of a solution's handler file) built from it."""
from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

# the shared self-test helpers assert too: show what failed (observed, expected), not a bare
# AssertionError (must run before any test module imports them)
pytest.register_assert_rewrite("tests.grading.lab_self_tests")

from labkit.checks import get_lab
from labkit.grading.starter import BEGIN, END, STARTER

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


@lru_cache(maxsize=None)
def solution_code(notebook: str, handler_file: str) -> str:
    """The handler a solution notebook writes, without its starter markers (### BEGIN SOLUTION,
    ### END SOLUTION, ### STARTER: lines) and the blank lines they leave at the end: the code
    every planted bug in mutants/ patches."""
    source = handler_source(ROOT / "solutions" / notebook, handler_file)
    code = [line for line in source.splitlines()
            if line.strip() not in (BEGIN, END) and not line.strip().startswith(STARTER)]
    return "\n".join(code).rstrip("\n") + "\n"


def mutant_specs(topic: str) -> list[Path]:
    """The planted bugs of one lab, e.g. mutant_specs("02_idempotency")."""
    return sorted((MUTANTS / topic).glob("*.py"))


def mutant_replacements(spec: Path) -> list[tuple[str, str]]:
    """A planted bug's REPLACE list, read without importing the file (it is data, not a module)."""
    for node in ast.parse(spec.read_text()).body:
        names = [getattr(target, "id", None) for target in getattr(node, "targets", [])]
        if isinstance(node, ast.Assign) and names == ["REPLACE"]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{spec.parent.name}/{spec.name} has no REPLACE = [(old, new), ...]")


def mutant_source(spec: Path, solution: str) -> str:
    """The solution's code with one planted bug: each (old, new) of the spec's REPLACE, in order.
    An `old` that is not in the code exactly once means the solution changed under the bug."""
    source = solution
    for old, new in mutant_replacements(spec):
        found = source.count(old)
        assert found == 1, (f"{spec.parent.name}/{spec.name}: this snippet is in the solution's code "
                            f"{found} times, not once (did the solution change?):\n{old}")
        source = source.replace(old, new)
    return source


def write_mutant(spec: Path, lab, folder: Path) -> Path:
    """Write the planted bug as the lab's handler file in `folder` (mode 0755, so `nobody` can
    read it when grading runs as root); returns the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    path = folder / lab.handler_file
    path.write_text(mutant_source(spec, solution_code(lab.notebook, lab.handler_file)))
    return path


def write_lab_code(lab, folder: Path) -> dict[str, Path]:
    """Write the handler file the solution's and the starter's notebooks write, in
    folder/solution and folder/starter (mode 0755, so `nobody` can read them when grading runs
    as root); returns their paths by kind."""
    os.chmod(folder, 0o755)
    paths = {}
    for kind, notebooks in (("solution", "solutions"), ("starter", "labs")):
        (folder / kind).mkdir()
        os.chmod(folder / kind, 0o755)
        path = folder / kind / lab.handler_file
        path.write_text(handler_source(ROOT / notebooks / lab.notebook, lab.handler_file))
        paths[kind] = path
    return paths


@pytest.fixture(scope="module")
def lab_code(request, tmp_path_factory) -> dict[str, Path]:
    """The solution's and the starter's handler files of the lab the test module names in LAB."""
    lab = request.module.LAB
    return write_lab_code(lab, tmp_path_factory.mktemp(f"lab{lab.number}"))


@pytest.fixture(scope="session", autouse=True)
def grading_runs_learner_code_as_nobody(learner_user_can_run_python):
    """Every grading test may run learner code unprivileged (see tests/conftest.py)."""


@pytest.fixture(scope="session")
def lab99():
    return get_lab("99")


@pytest.fixture(scope="session")
def lab99_code(tmp_path_factory, lab99):
    """Paths of the solution's and the starter's handler files."""
    return write_lab_code(lab99, tmp_path_factory.mktemp("lab99"))


# The slowest files first (their times in test-output/grading.xml of a `make test`): the suite
# runs file by file on three workers (--dist loadfile, in collection order), so a slow file
# scheduled last would run alone at the end while the other worker idles.
SLOWEST_FIRST = ["test_grade_every_lab", "test_lab14_checks", "test_grade_cli", "test_lab05_checks",
                 "test_lab08_checks", "test_lab03_checks", "test_lab10_checks", "test_lab09_checks",
                 "test_lab13_checks", "test_lab01_checks"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.nodeid.split("::")[0]).stem, len(rank)))
