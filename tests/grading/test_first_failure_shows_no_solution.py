"""A learner's first failure must not show the solution. Every starter fails every check on its
first run, so whatever that report says, every learner reads before writing a line.

What is looked for: the tokens only the solution has (solution_tokens.py). Where: the first
report of every lab's starter, as text and as HTML, is read in test_grade_every_lab (which
grades every starter: its public results are what `check()` shows on a first run); here, the
tests that the token search can find something, and every message a lab's checks can show
at any stage of a failure (a half-done solution shows other messages than the starter).

Labs 01, 03 and 05 are edited elsewhere: their known leaks are listed in KNOWN_LEAKS (to be fixed
in their modules) and any other leak fails."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from labkit.checks import LAB_MODULES, get_lab
from tests.grading.solution_tokens import KNOWN_LEAKS, leaks, solution_only


@pytest.mark.parametrize("number", list(LAB_MODULES))
def test_solution_has_tokens_to_look_for(number):
    """Otherwise the leak test below would pass for want of anything to find."""
    assert solution_only(get_lab(number))


def test_a_leak_is_found():
    tokens = solution_only(get_lab("09"))
    assert "ReservedConcurrentExecutions" in tokens
    assert leaks(tokens, "expected: ReservedConcurrentExecutions=2 on the worker") == {
        "ReservedConcurrentExecutions"}
    assert not leaks(tokens, "observed: 3 executions at once; expected: at most 2")


# where a lab's checks take their messages from outside labkit/checks: the capstone's
# invariants (Verdict(ok, observed, expected)), shared with its lesson
VERDICT_MODULES = {"14": [Path(importlib.import_module("labkit.lessons.capstone_invariants").__file__)]}


def _messages(number: str) -> list[tuple[str, str]]:
    """(file:line, literal text) of every observed/expected a lab's checks can show, at any
    stage of a failure: the string parts of observed=/expected= arguments, of Mismatch(...)
    and of Verdict(...), in the lab's module and the modules it is split into (lab_NN_*.py
    beside it, e.g. what its scenarios deploy) or takes its verdicts from (VERDICT_MODULES)."""
    module = Path(importlib.import_module(LAB_MODULES[number]).__file__)
    found = []
    for path in sorted(module.parent.glob(f"lab_{number}_*.py")) + VERDICT_MODULES.get(number, []):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            parts = [k.value for k in node.keywords if k.arg in ("observed", "expected")]
            if isinstance(node.func, ast.Name) and node.func.id == "Mismatch":
                parts += node.args
            if isinstance(node.func, ast.Name) and node.func.id == "Verdict":
                parts += node.args[1:]
            found += [(f"{path.name}:{part.lineno}", " ".join(
                c.value for c in ast.walk(part) if isinstance(c, ast.Constant)
                and isinstance(c.value, str))) for part in parts]
    return found


@pytest.mark.parametrize("number", list(LAB_MODULES))
def test_no_check_message_names_solution_code(number):
    """Beyond the first failure: later failures (a half-done solution) show other messages."""
    tokens = solution_only(get_lab(number)) - KNOWN_LEAKS.get(number, set())
    messages = _messages(number)
    assert len(messages) >= len(get_lab(number).checks)   # the scan sees the messages
    shown = {place: leaks(tokens, text) for place, text in messages}
    assert not {place: words for place, words in shown.items() if words}, LAB_MODULES[number]
