"""Self-tests of lab 12's checks, infrastructure as code and safe delivery (see lab_self_tests):
the solution gets full marks on the hidden scenarios of the other seeds (test_grade_every_lab
grades the solution and the starter notebooks, public and hidden, under the first), and every
planted bug in mutants/12_infrastructure_as_code fails the check its docstring names while
passing a control check about another promise. A lab 12 submission is two files: a bug in the
handler is a REPLACE spec (.py), a bug in the template a folder with the changed
lab12_pipeline.yaml and a README.md. Each plausible wrong design under
wrong_designs/12_infrastructure_as_code/ loses the points of the check it names on the public
scenario and on the hidden ones of the other seed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from labkit.checks import get_lab
from tests.grading import lab_self_tests as self_test
from tests.grading.conftest import MUTANTS, ROOT, handler_source

LAB = get_lab("12")
BUGS = sorted(p for p in (MUTANTS / "12_infrastructure_as_code").iterdir()
              if p.suffix == ".py" or (p / "README.md").is_file())
DESIGNS = self_test.wrong_designs("12_infrastructure_as_code")
CONTROL = {   # aimed check -> a check about another promise, which the bug must pass
    "two-stages": "surviving-drift",
    "surviving-drift": "two-stages",
    "bad-release-stopped": "good-release-promoted",
    "good-release-promoted": "bad-release-stopped",
}


@pytest.fixture(scope="module")
def lab12_code(tmp_path_factory) -> dict[str, Path]:
    """The handler paths of folders holding both files as the solution's and the starter's
    notebooks write them."""
    root = tmp_path_factory.mktemp("lab12")
    os.chmod(root, 0o755)
    paths = {}
    for kind, notebooks in (("solution", "solutions"), ("starter", "labs")):
        folder = root / kind
        folder.mkdir()
        os.chmod(folder, 0o755)
        for name in LAB.submitted_files:
            (folder / name).write_text(handler_source(ROOT / notebooks / LAB.notebook, name))
        paths[kind] = folder / LAB.handler_file
    return paths


@pytest.mark.parametrize("seed", self_test.OTHER_SEEDS)
def test_solution_gets_full_marks_on_hidden_scenarios(server, lab12_code, seed):
    self_test.solution_full_marks_hidden(LAB, server.url, lab12_code["solution"], seed)


globals().update(self_test.planted_bug_and_wrong_design_tests(LAB, BUGS, DESIGNS, CONTROL))
