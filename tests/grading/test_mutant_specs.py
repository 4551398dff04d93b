"""The planted bugs under mutants/<NN_topic>/ are small patches of the solution's handler code: a
docstring naming the check that catches the bug ("Caught by: CHECK"), and REPLACE = [(old, new),
...]. An edit of a solution can silently break one (a snippet no longer there) or turn it into a
no-op, so each must still apply to the current solution and still change what the code does."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from labkit.checks import get_lab
from tests.grading.conftest import MUTANTS, mutant_source, solution_code

SPECS = sorted(MUTANTS.glob("*/*.py"))


def _behaviour(source: str) -> str:
    """The code's syntax tree without comments (ast drops them) and without docstrings."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:]
    return ast.dump(tree)


@pytest.mark.parametrize("spec", SPECS, ids=[f"{p.parent.name}/{p.stem}" for p in SPECS])
def test_planted_bug_applies_to_the_solution_and_changes_its_behaviour(spec: Path):
    tree = ast.parse(spec.read_text())
    # only a docstring and REPLACE: the file shows the bug and nothing else
    assert [type(node) for node in tree.body] == [ast.Expr, ast.Assign]
    doc = ast.get_docstring(tree) or ""
    assert "Caught by:" in doc, f"{spec.name} must say which check catches it"
    lab = get_lab(spec.parent.name[:2])
    caught_by = doc.split("Caught by:")[1].split()[0].strip(".,")
    assert caught_by in {c.id for c in lab.checks}, f"{spec.name}: no check named {caught_by}"

    solution = solution_code(lab.notebook, lab.handler_file)
    planted = mutant_source(spec, solution)      # each snippet found exactly once, in order
    assert _behaviour(planted) != _behaviour(solution), \
        f"{spec.name} changes only docstrings or comments of the solution"
