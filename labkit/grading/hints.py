"""Which tasks' concrete hints a learner revealed, read from the notebook they handed in.

Grading re-executes a notebook in a fresh kernel where ``check()`` only defers to the grader,
so the handed-in file itself is the evidence, read before it runs:
  * a code cell calling ``check(..., hint=True)``: ``check``, any ``something.check`` (e.g.
    ``labkit.checks.check``) or a name ``check`` was imported as; the task positional or
    ``task=``; no task means every task; magics (``%time check(...)``) are looked into;
  * an output carrying the marker ``check(..., hint=True)`` leaves in its display metadata,
    ``{"labkit": {"hint_revealed": [lab, task, ...]}}`` (labkit.checks.report), which stays
    when the call itself was edited away.
A hint argument or task that is not a literal counts as asked (every task for the task).
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat

from labkit import thread_safe_ast

CHECKS_MODULE = "labkit.checks"
# cell magics whose body is not Python run in the kernel
NOT_PYTHON = {"writefile", "file", "bash", "sh", "script", "html", "javascript", "js", "latex",
              "markdown", "svg", "perl", "ruby", "sx", "system"}


def hints_revealed(path: Path, lab) -> list[str]:
    """The tasks of ``lab`` whose hint the notebook at ``path`` asked for, in task order."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook asked for nothing we can see
        return []
    asked: set[str] = set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        asked |= asked_in_source(cell.get("source", ""), lab)
        asked |= marked_in_outputs(cell.get("outputs", []), lab)
    return [task for task in lab.tasks if task in asked]


def marked_in_outputs(outputs: list[dict[str, Any]], lab) -> set[str]:
    asked: set[str] = set()
    for output in outputs:
        metadata = output.get("metadata") if isinstance(output, dict) else None
        labkit = metadata.get("labkit") if isinstance(metadata, dict) else None
        marker = labkit.get("hint_revealed") if isinstance(labkit, dict) else None
        if isinstance(marker, list) and marker and str(marker[0]) == lab.number:
            asked |= {str(task) for task in marker[1:]} & set(lab.tasks)
    return asked


def asked_in_source(source: str, lab) -> set[str]:
    """Tasks whose hint a cell's code asks for (a cell that does not parse ran nothing)."""
    try:
        tree = thread_safe_ast.parse(_python_of_cell(source))
    except Exception:  # noqa: BLE001 - SyntaxError, or a parser limit on hostile input
        return set()
    names = _check_names(tree)
    asked: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        magic = _magic_body(node)
        if magic is not None:
            asked |= asked_in_source(magic, lab)
        elif _calls_check(node.func, names):
            asked |= _tasks_asked(node, lab)
    return asked


def _python_of_cell(source: str) -> str:
    """The cell as the kernel runs it: IPython's own translation of magics and ``!`` lines."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _magic_body(call: ast.Call) -> str | None:
    """The Python inside ``get_ipython().run_line_magic("time", "...")`` or a cell magic."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "run_cell_magic")):
        return None
    args = [a.value if isinstance(a, ast.Constant) else None for a in call.args]
    if len(args) < 2 or not all(isinstance(a, str) for a in args) or args[0] in NOT_PYTHON:
        return None
    return args[-1]   # line magic: its line; cell magic: its body


def _check_names(tree: ast.AST) -> set[str]:
    """``check``, and what ``from labkit.checks import check as ...`` bound it to."""
    names = {"check"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == CHECKS_MODULE:
            names |= {alias.asname for alias in node.names
                      if alias.name == "check" and alias.asname}
    return names


def _calls_check(func: ast.expr, names: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in names
    return isinstance(func, ast.Attribute) and func.attr == "check"


def _tasks_asked(call: ast.Call, lab) -> set[str]:
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    for spread in (k.value for k in call.keywords if k.arg is None):   # **{"hint": True}
        if isinstance(spread, ast.Dict):
            keywords.update({k.value: v for k, v in zip(spread.keys, spread.values)
                             if isinstance(k, ast.Constant) and isinstance(k.value, str)})
    hint = keywords.get("hint")
    if hint is None or (isinstance(hint, ast.Constant) and not hint.value):
        return set()
    lab_arg = call.args[0] if call.args else keywords.get("lab")
    if isinstance(lab_arg, ast.Constant) and str(lab_arg.value).split("_")[0] != lab.number:
        return set()   # another lab's hint
    task = call.args[1] if len(call.args) > 1 else keywords.get("task")
    if task is None or (isinstance(task, ast.Constant) and task.value is None):
        return set(lab.tasks)
    if isinstance(task, ast.Constant):
        return {str(task.value)} & set(lab.tasks)
    return set(lab.tasks)   # computed (a loop over tasks, a variable): assume every task
