"""Self-tests of lab 05's checks (sagas): the solution gets full marks on the hidden
scenarios of the seeds test_grade_every_lab does not grade it under (it grades public and hidden of the first, and the starter), and every
planted bug in mutants/05_sagas fails the check aimed at it. A lab 05 submission is three
files: a mutant of the services file is a REPLACE spec (.py), one of the state machine or the
alarm a folder holding the file(s) that differ from the solution, with a README.md saying
"Caught by: CHECK". The plausible wrong designs under wrong_designs/05_sagas (either kind)
lose the points of the check they name on the public scenario and on the hidden ones of the
other seed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from labkit.checks import get_lab
from labkit.checks.framework import Target, run_checks
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import ROOT, handler_source
from tests.grading.lab_self_tests import OTHER_SEEDS, solution_full_marks_hidden

FILES = ["lab05_services.py", "lab05_saga.asl.yaml", "lab05_alarm.yaml"]
MUTANTS = sorted(p for p in (Path(__file__).parent / "mutants" / "05_sagas").iterdir()
                 if p.suffix == ".py" or p.is_dir())
BASIC = "every-failure-point"
DESIGNS = self_test.wrong_designs("05_sagas")


@pytest.fixture(scope="module")
def lab05():
    return get_lab("05")


@pytest.fixture(scope="module")
def lab05_code(tmp_path_factory, lab05):
    """Folders with the three files as the solution's and the starter's notebooks write them."""
    root = tmp_path_factory.mktemp("lab05")
    os.chmod(root, 0o755)
    folders = {}
    for kind, nb in (("solution", ROOT / "solutions" / lab05.notebook),
                     ("starter", ROOT / "labs" / lab05.notebook)):
        folder = root / kind
        folder.mkdir()
        for name in FILES:
            (folder / name).write_text(handler_source(nb, name))
        folders[kind] = folder
    return folders


def _handler(folder: Path) -> str:
    return str(folder / "lab05_services.py")


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab05, lab05_code, seed):
    solution_full_marks_hidden(lab05, server.url, _handler(lab05_code["solution"]), seed)


@pytest.fixture(scope="module")
def planted_bugs(request, server, lab05, tmp_path_factory):
    return self_test.Verdicts(lambda mutant: _planted_bug_is_caught(
        lab05, server.url, mutant, self_test.scratch(tmp_path_factory, mutant)),
        self_test.selected(request, "mutant"))


@pytest.mark.parametrize("mutant", MUTANTS, ids=self_test.design_ids(MUTANTS))
def test_planted_bug_fails_the_check_aimed_at_it(planted_bugs, mutant):
    planted_bugs.of(mutant)


def _planted_bug_is_caught(lab05, server_url: str, mutant: Path, folder: Path):
    target_check = self_test.design_caught_by(mutant)
    aimed = [c for c in lab05.checks if c.id in (target_check, BASIC)]
    assert target_check in {c.id for c in aimed}
    handler = self_test.write_design(lab05, mutant, folder)
    results = {r.check: r for r in run_checks(aimed, Target(str(handler), server_url))}
    assert not results[target_check].passed, f"{mutant.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    if target_check != BASIC:
        assert results[BASIC].passed, "the bug must be specific, not total breakage"


@pytest.fixture(scope="module")
def wrong_designs(request, server, lab05, tmp_path_factory):
    return self_test.wrong_design_verdicts(request, lab05, server.url, tmp_path_factory)


@pytest.mark.parametrize("design", DESIGNS, ids=self_test.design_ids(DESIGNS))
def test_wrong_design_loses_the_points_public_and_hidden(wrong_designs, design):
    wrong_designs.of(design)


def test_effect_check_never_passes_without_its_fault(server, lab05, tmp_path):
    """Compensations without a Retry are never run again after a lost answer: the injected
    fault cannot take effect, and effect-at-most-once must not pass (it used to, on the evidence
    of a single attempt)."""
    os.chmod(tmp_path, 0o755)
    code = self_test.write_design(lab05, Path(__file__).parent / "mutants" / "05_sagas" / "no_retry",
                                  tmp_path / "no_retry")
    aimed = [c for c in lab05.checks if c.id == "effect-at-most-once"]
    [result] = run_checks(aimed, Target(str(code), server.url))
    assert not result.passed
    assert "inconclusive" in result.observed and "never retried" in result.observed
