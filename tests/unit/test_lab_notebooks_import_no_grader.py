"""A lab's notebook imports what the lab hands the learner (labkit.labs), never the modules that
grade it: those hold the hidden scenarios' generators, the planted bugs and the judgement, and
a change to them must not change what the learner's notebook runs. The package labkit.checks
itself (`check`, `load_handler`: what checker cells call) is the notebooks' entry point."""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "labs").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


def _imports_from_checks(source: str) -> list[str]:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labkit.checks."):
            found.append(f"from {node.module} import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("labkit.checks.")]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_lab_notebook_imports_no_grader_module(path):
    cells = nbformat.read(path, as_version=4).cells
    found = [line for cell in cells if cell.cell_type == "code"
             and not cell.source.startswith("%%writefile")
             for line in _imports_from_checks(cell.source)]
    assert not found, found


def test_the_scan_sees_a_grader_import():
    assert _imports_from_checks("from labkit.checks.lab_09_drain import WORKER_SOURCE\n") != []
    assert _imports_from_checks("import labkit.checks.lab_13_variants as v\n") != []
    assert _imports_from_checks("from labkit.checks import check, load_handler\n") == []
