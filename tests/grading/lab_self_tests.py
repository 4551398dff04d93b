"""What every lab's self-tests (test_labNN_checks.py) show about its checks, as plain functions:
the solution gets full marks (public and hidden under the first seed in test_grade_every_lab,
hidden under the others here), the starter gets nothing,
hidden scenarios come from the seed alone, and every planted bug under mutants/ fails the check
its docstring names ("Caught by: CHECK") while passing a control check about another promise, so
each check is shown to catch its own bug, not just broken code.

A test file declares only what is its lab's own (its LAB, its planted bugs, its control checks,
its extra tests) and calls these; the handler files come from the `lab_code` fixture (conftest)."""
from __future__ import annotations

import ast
import os
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from labkit.checks.framework import Lab, Target, hidden_params, run_checks
from tests.grading.conftest import ROOT, mutant_specs, write_mutant

# Two instructors' seeds: hidden scenarios drawn twice per check (most checks draw 2-3 a seed).
# test_grade_every_lab grades every solution notebook end to end under SEEDS[0]; the
# self-tests cover the other, for solutions and wrong designs alike (a wrong design's public
# scenario and the hidden scenarios of that seed: each check draws 2-3 of them)
SEEDS = ["autumn-2026", "spring-2027"]
OTHER_SEEDS = SEEDS[1:]


def mutant_ids(mutants: list[Path]) -> list[str]:
    """Test ids of planted bugs: the spec's file name without .py."""
    return [m.stem for m in mutants]


def caught_by(spec: Path) -> str:
    """The check a planted bug's docstring names: "Caught by: CHECK"."""
    doc = ast.get_docstring(ast.parse(spec.read_text())) or ""
    assert "Caught by:" in doc, f"{spec.name} must say which check catches it"
    return doc.split("Caught by:")[1].split()[0].strip(".,")


def solution_passes(lab: Lab, server_url: str, solution: Path, seed: str) -> list:
    """Every check passes the solution, public and hidden under `seed`; returns the results."""
    results = run_checks(lab.checks, Target(str(solution), server_url), seed=seed)
    failed = [(r.check, r.hidden, r.observed, r.expected) for r in results if not r.passed]
    assert not failed, failed
    assert {r.hidden for r in results} == {False, True}
    return results


def solution_full_marks_hidden(lab: Lab, server_url: str, solution: Path, seed: str) -> None:
    """Every check passes the solution on its hidden scenarios under `seed`, for all their
    points (the public scenario is graded end to end in test_grade_every_lab)."""
    results = run_checks(lab.checks, Target(str(solution), server_url), seed=seed, public=False)
    hidden_full_marks(lab, results, [seed])


def hidden_full_marks(lab: Lab, results: list, seeds: list[str]) -> None:
    """`results`: the hidden ones of every seed; all passed, for all their points."""
    failed = [(r.check, r.observed, r.expected) for r in results if not r.passed]
    assert not failed, failed
    hidden = [c for c in lab.checks if c.hidden is not None]
    assert all(r.hidden for r in results)
    assert sorted(r.check for r in results) == sorted(c.id for c in hidden for _ in seeds)
    assert sum(r.points for r in results) == len(seeds) * sum(c.points for c in hidden)


def solution_full_marks_hidden_side_by_side(lab: Lab, server_url: str, solution: Path,
                                            seeds: list[str]) -> None:
    """Full marks on the hidden scenarios of every seed, the seeds run side by side (for labs
    whose scenarios mostly wait, e.g. for visibility timeouts to expire)."""
    target = Target(str(solution), server_url)
    with ThreadPoolExecutor(max_workers=len(seeds)) as pool:
        runs = pool.map(lambda seed: run_checks(lab.checks, target, seed=seed, public=False), seeds)
        results = [r for run in runs for r in run]
    hidden_full_marks(lab, results, seeds)


def starter_passes_nothing(lab: Lab, server_url: str, starter: Path) -> list:
    """No check passes the starter's code (public scenarios); returns the results."""
    results = run_checks(lab.checks, Target(str(starter), server_url))
    assert [r.check for r in results if r.passed] == []
    return results


def starter_scores_zero(lab: Lab, server_url: str, starter: Path) -> None:
    results = starter_passes_nothing(lab, server_url, starter)
    assert sum(r.points for r in results) == 0


def hidden_scenarios_depend_on_the_seed_only(lab: Lab, public_is_not_drawn: bool = True) -> None:
    """The same seed draws the same hidden scenarios, another seed others; with
    public_is_not_drawn, the public scenario is never one of them. (A check without hidden
    scenarios, a measurement such as lab 06's cold-start ratio, has nothing to draw.)"""
    for spec in (c for c in lab.checks if c.hidden is not None):
        assert hidden_params(spec, "s1") == hidden_params(spec, "s1")
        assert hidden_params(spec, "s1") != hidden_params(spec, "s2")
        if public_is_not_drawn:
            assert spec.public not in hidden_params(spec, "s1")


def planted_bug_is_caught(lab: Lab, spec: Path, server_url: str, folder: Path,
                          control: str | Mapping[str, str | None]) -> None:
    """The solution with the planted bug fails the check aimed at it, telling what it observed,
    and passes the control check: one check for every bug, or one per aimed check (None: a bug
    aimed there has no control, the other checks all depend on what it breaks)."""
    target_check = design_caught_by(spec)
    assert target_check in {c.id for c in lab.checks}, f"no check named {target_check}"
    if isinstance(control, Mapping):
        assert target_check in control, f"no control check given for {target_check}"
        control = control[target_check]
    assert control != target_check, f"{spec.name} is aimed at the control check {control}"
    aimed = [c for c in lab.checks if c.id in (target_check, control)]
    code = write_design(lab, spec, folder)   # the solution with the bug planted
    results = {r.check: r for r in run_checks(aimed, Target(str(code), server_url))}
    assert not results[target_check].passed, f"{spec.name} passed {target_check}"
    assert results[target_check].observed  # the learner is told what was observed
    if control is not None:
        assert results[control].passed, "the bug must be specific, not total breakage"


# -- plausible wrong designs -------------------------------------------------------------------
# wrong_designs/NN_topic/ holds what a learner who half-read the lesson would write: each a
# REPLACE spec of the solution like the planted bugs (a lab whose submission is several files:
# a folder with the changed files and a README.md), saying "Caught by: CHECK".

WRONG_DESIGNS = Path(__file__).parent / "wrong_designs"


def wrong_designs(topic: str) -> list[Path]:
    """The wrong designs of one lab, e.g. wrong_designs("03_errors_and_dlqs")."""
    return sorted(p for p in (WRONG_DESIGNS / topic).iterdir()
                  if p.suffix == ".py" or (p.is_dir() and (p / "README.md").is_file()))


def design_ids(designs: list[Path]) -> list[str]:
    return [d.stem for d in designs]


def design_caught_by(spec: Path) -> str:
    """The check a wrong design names: "Caught by: CHECK" in its docstring or README.md."""
    if spec.is_dir():
        doc = (spec / "README.md").read_text()
        assert "Caught by:" in doc, f"{spec.name}/README.md must say which check catches it"
        return doc.split("Caught by:")[1].split()[0].strip(".,")
    return caught_by(spec)


def write_design(lab: Lab, spec: Path, folder: Path) -> Path:
    """The solution with the wrong design (or planted bug) in `folder`; returns the handler
    file's path. Every file the solution notebook writes, then the spec over them: a REPLACE
    spec (.py) rewrites the handler file, a folder brings its own files."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    for cell in nbformat.read(ROOT / "solutions" / lab.notebook, as_version=4).cells:
        first, _, body = cell.source.partition("\n")
        if cell.cell_type == "code" and first.startswith("%%writefile "):
            (folder / first.split(None, 1)[1].strip()).write_text(body)
    if not spec.is_dir():
        return write_mutant(spec, lab, folder)
    for planted in spec.iterdir():
        if planted.name != "README.md":
            assert (folder / planted.name).is_file(), f"{spec.name}: the solution writes no {planted.name}"
            shutil.copy(planted, folder / planted.name)
    return folder / lab.handler_file


def wrong_design_is_caught(lab: Lab, spec: Path, server_url: str, folder: Path,
                           seeds: list[str]) -> None:
    """The wrong design loses the points of the check it is aimed at on the public scenario AND
    on the hidden scenarios of every seed (the seeds run side by side): tuning it to what a
    learner can see does not earn the points the grade hides. (A check without hidden scenarios,
    a measurement such as lab 06's cold-start ratio: on its public scenario.)"""
    target_check = design_caught_by(spec)
    aimed = [c for c in lab.checks if c.id == target_check]
    assert aimed, f"{spec.name}: no check named {target_check}"
    has_hidden = aimed[0].hidden is not None
    seeds = seeds if has_hidden else seeds[:1]
    target = Target(str(write_design(lab, spec, folder)), server_url)
    with ThreadPoolExecutor(max_workers=len(seeds)) as pool:   # the public scenario once
        runs = list(pool.map(lambda seed: run_checks(aimed, target, seed=seed,
                                                     public=seed == seeds[0]), seeds))
    for seed, results in zip(seeds, runs):
        assert {r.hidden for r in results} == (({False, True} if has_hidden else {False})
                                               if seed == seeds[0] else {True})
        for r in results:
            where = f"the {'hidden scenarios of seed ' + seed if r.hidden else 'public scenario'}"
            assert not r.passed and r.points == 0, f"{spec.name} passed {target_check} on {where}"
            assert r.observed, f"{spec.name} on {where}: the learner must be told what was observed"


# -- judged side by side -----------------------------------------------------------------------
# A planted bug's or wrong design's run mostly waits (a visibility timeout, alarm periods, a
# check's deadline running out on code that never gets there) and none depends on another: a
# test module judges all of its own at once, and each test reads its verdict. A solution is
# never judged this way: whether it passes may depend on the machine's load. A check whose bug
# only shows when invocations overlap must not rest on the overlap alone (lab 09 once passed a
# design that lets too many run at once while 3 others were judged beside it: a slowed machine
# overlaps fewer; its checks now also read back the caps the configuration sets).

JUDGED_AT_ONCE = 4


class Verdicts:
    """What judging each item raised (an assertion, with its message and traceback), or None."""

    def __init__(self, judge: Callable[[Path], None], items: list[Path], at_once: int = JUDGED_AT_ONCE):
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            futures = {item: pool.submit(judge, item) for item in items}
        self._raised = {item: future.exception() for item, future in futures.items()}

    def of(self, item: Path) -> None:
        if self._raised[item] is not None:
            raise self._raised[item]


def selected(request: pytest.FixtureRequest, argname: str) -> list:
    """The values of ``argname`` that this test module's selected tests take (after -k)."""
    values = []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.module is request.module and argname in params:
            values.append(params[argname])
    return list(dict.fromkeys(values))


def scratch(tmp_path_factory: pytest.TempPathFactory, spec: Path) -> Path:
    """A folder of its own for one planted bug or design, readable by `nobody` (see conftest)."""
    folder = tmp_path_factory.mktemp(spec.stem)
    os.chmod(folder, 0o755)
    return folder / spec.name.removesuffix(".py")


def wrong_design_verdicts(request: pytest.FixtureRequest, lab: Lab, server_url: str,
                          tmp_path_factory: pytest.TempPathFactory,
                          at_once: int = JUDGED_AT_ONCE) -> Verdicts:
    """Every selected wrong design of the module (parametrized as ``design``), judged at once."""
    return Verdicts(lambda spec: wrong_design_is_caught(
        lab, spec, server_url, scratch(tmp_path_factory, spec), OTHER_SEEDS), selected(request, "design"),
        at_once)


def planted_bug_verdicts(request: pytest.FixtureRequest, lab: Lab, server_url: str,
                         tmp_path_factory: pytest.TempPathFactory,
                         control: str | Mapping[str, str | None]) -> Verdicts:
    """Every selected planted bug of the module (parametrized as ``mutant``), judged at once."""
    return Verdicts(lambda spec: planted_bug_is_caught(
        lab, spec, server_url, scratch(tmp_path_factory, spec), control), selected(request, "mutant"))


# -- the tests every lab's self-test file shares ------------------------------------------------

def one_basic_control(lab: Lab, basic: str, its_own: str | None) -> dict[str, str | None]:
    """Controls for a lab with one basic check every planted bug must still pass, but a bug
    aimed at the basic check itself: `its_own` (None: nothing else to compare with)."""
    return {**{c.id: basic for c in lab.checks}, basic: its_own}


def lab_self_test_suite(lab: Lab, topic: str, control: str | Mapping[str, str | None]) -> dict:
    """A lab's usual self-tests, for its file to adopt (as planted_bug_and_wrong_design_tests):
    the solution's full marks on the hidden scenarios of OTHER_SEEDS, and the planted bugs under
    mutants/`topic` and the wrong designs under wrong_designs/`topic`."""

    @pytest.mark.parametrize("seed", OTHER_SEEDS)
    def test_solution_gets_full_marks_on_hidden_scenarios(server, lab_code, seed):
        solution_full_marks_hidden(lab, server.url, lab_code["solution"], seed)

    return {"test_solution_gets_full_marks_on_hidden_scenarios":
                test_solution_gets_full_marks_on_hidden_scenarios,
            **planted_bug_and_wrong_design_tests(lab, mutant_specs(topic), wrong_designs(topic),
                                                 control)}


def planted_bug_and_wrong_design_tests(lab: Lab, mutants: list[Path], designs: list[Path],
                                       control: str | Mapping[str, str | None]) -> dict:
    """A lab's planted-bug and wrong-design tests (each spec file one test id) and the module
    fixtures that judge them all at once, for its self-test file to adopt:

        globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, MUTANTS, DESIGNS, CONTROL))

    pytest collects tests and fixtures from the module's namespace, wherever they were defined."""

    @pytest.fixture(scope="module", name="planted_bugs")
    def planted_bugs_fixture(request, server, tmp_path_factory):
        return planted_bug_verdicts(request, lab, server.url, tmp_path_factory, control=control)

    @pytest.mark.parametrize("mutant", mutants, ids=mutant_ids(mutants))
    def test_planted_bug_fails_the_check_aimed_at_it(planted_bugs, mutant):
        planted_bugs.of(mutant)

    return {"planted_bugs_fixture": planted_bugs_fixture,
            "test_planted_bug_fails_the_check_aimed_at_it": test_planted_bug_fails_the_check_aimed_at_it,
            **wrong_design_tests(lab, designs)}


def wrong_design_tests(lab: Lab, designs: list[Path]) -> dict:
    """A lab's wrong-design tests and the module fixture that judges them all at once (alone:
    for a self-test file whose planted-bug tests are its own)."""

    @pytest.fixture(scope="module", name="wrong_designs")
    def wrong_designs_fixture(request, server, tmp_path_factory):
        return wrong_design_verdicts(request, lab, server.url, tmp_path_factory)

    @pytest.mark.parametrize("design", designs, ids=design_ids(designs))
    def test_wrong_design_loses_the_points_public_and_hidden(wrong_designs, design):
        wrong_designs.of(design)

    return {"wrong_designs_fixture": wrong_designs_fixture,
            "test_wrong_design_loses_the_points_public_and_hidden":
                test_wrong_design_loses_the_points_public_and_hidden}
