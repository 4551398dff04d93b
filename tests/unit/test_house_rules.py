"""The shape of the house: imports point down, and no module grows past 400 lines.

Layers, bottom first. A module may import from its own layer and from layers below it, never
from above: the emulator knows nothing of checks, checks nothing of grading, and so on, so each
part can be read, tested and replaced on its own.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

LABKIT = Path(__file__).resolve().parents[2] / "labkit"
LAYERS = [
    # what everything may use: the platform, limits, AWS naming, event shapes and invocation
    # outcomes, prices, faults, small tools
    {"__init__", "platform_support", "isolation", "aws_resources", "aws_events", "lambda_outcomes",
     "cost", "faults",
     "kernel_client", "notebook_outputs", "thread_safe_ast", "aws_clients"},
    {"emulator", "ministack", "postgres", "postgres_proxy"},  # embedded, MiniStack, PostgreSQL (+ proxy)
    {"backends", "backend_gaps", "deploy", "cleanup"},  # choosing a backend (and what it lacks), deploying, deleting
    {"lessons"},                       # what lesson notebooks call
    {"labs"},                          # what a lab hands the learner: its notebook and checks share it
    {"checks"},                        # checks of the labs
    {"grading"},                       # grading a class with the checks
    {"lab_launcher", "hub"},           # starting JupyterLab: on a laptop, on a hub
    {"commands", "cli"},               # the `labkit` command line
]
MAX_LINES = 400


def _part(module: str) -> str:
    """labkit.emulator.runtime.service -> emulator; labkit.cli -> cli; labkit -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(part: str) -> int:
    for number, layer in enumerate(LAYERS):
        if part in layer:
            return number
    raise AssertionError(f"labkit.{part} is in no layer of {__name__}: add it where it belongs")


def _modules() -> list[Path]:
    return sorted(p for p in LABKIT.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "labkit" or name.startswith("labkit.")]


def _name(path: Path) -> str:
    relative = path.relative_to(LABKIT.parent).with_suffix("")
    return ".".join(relative.parts).removesuffix(".__init__")


def test_every_import_points_down():
    upward = []
    for path in _modules():
        mine = _layer(_part(_name(path)))
        for line, imported in _imports(path):
            theirs = _layer(_part(imported))
            if theirs > mine:
                upward.append(f"{path.relative_to(LABKIT.parent)}:{line} imports {imported}")
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_the_rule_sees_an_upward_import(tmp_path):
    """The walk above must be able to fail: an emulator module importing the checks is one."""
    path = tmp_path / "labkit" / "emulator" / "bad.py"
    path.parent.mkdir(parents=True)
    path.write_text("from labkit.checks import check\n")
    (line, imported), = _imports(path)
    assert _layer(_part(imported)) > _layer(_part("labkit.emulator.bad"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(LABKIT.parent)))
def test_no_module_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split it by idea"
