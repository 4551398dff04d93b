"""What every lab's self-tests rest on, checked once for all labs by reading their specs (no
backend): every check has a planted bug and a plausible wrong design aimed at it, and hidden
scenarios come from the seed alone. The test_labNN_checks.py files then judge each planted bug
and wrong design against the checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from labkit.checks import LAB_MODULES, get_lab
from tests.grading.conftest import MUTANTS
from tests.grading.lab_self_tests import (WRONG_DESIGNS, design_caught_by,
                                          hidden_scenarios_depend_on_the_seed_only)

LABS = sorted(LAB_MODULES)
# The labs whose public scenario may come up among the hidden ones: their scenarios are drawn
# from a small set (lab 03: which messages are poison; lab 07: a workload's shape).
PUBLIC_MAY_BE_DRAWN = {"03", "07"}


def aimed_at(folder: Path) -> list[str]:
    """The check each spec in `folder` names: a .py spec, or a folder with a README.md."""
    if not folder.is_dir():
        return []
    return [design_caught_by(p) for p in sorted(folder.iterdir())
            if p.suffix == ".py" or (p / "README.md").is_file()]


def topic(number: str) -> str:
    return get_lab(number).notebook.removesuffix(".ipynb")


def one_for_every_check(number: str, folder: Path, specs: str, spec: str) -> list[str]:
    """The checks lab `number`'s specs under `folder` aim at, each one of its checks and every
    check aimed at (`specs`, `spec`: what the failure messages call them)."""
    checks = {c.id for c in get_lab(number).checks}
    aimed = aimed_at(folder / topic(number))
    assert not set(aimed) - checks, f"lab {number}: {specs} aimed at no check: {set(aimed) - checks}"
    assert not checks - set(aimed), f"lab {number}: no {spec} aimed at {sorted(checks - set(aimed))}"
    return aimed


@pytest.mark.parametrize("number", LABS)
def test_every_check_has_a_planted_bug(number):
    assert len(one_for_every_check(number, MUTANTS, "bugs", "planted bug")) >= 3


@pytest.mark.parametrize("number", LABS)
def test_every_check_has_a_wrong_design(number):
    one_for_every_check(number, WRONG_DESIGNS, "designs", "wrong design")


@pytest.mark.parametrize("number", LABS)
def test_hidden_scenarios_depend_on_the_seed_only(number):
    hidden_scenarios_depend_on_the_seed_only(get_lab(number),
                                             public_is_not_drawn=number not in PUBLIC_MAY_BE_DRAWN)
