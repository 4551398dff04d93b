"""Scenarios that share one run (the capstone: one run of a system, one check per invariant):
the checks of a seed group draw the same hidden parameters, the first scenario to ask makes
the shared value while the others wait for it, a new checking run makes it again, and a value
the machine may have spoiled is made again for the next to ask."""
from __future__ import annotations

import threading
import time

from labkit.checks.framework import Inconclusive, Lab, Scenario, Target, hidden_params, run_checks


def _lab(made: list, barrier_parties: int = 0) -> Lab:
    lab = Lab("77", "shared", handler_file="x.py", notebook="77_x.ipynb",
              tasks={"t": "task"})

    def make() -> dict:
        made.append(threading.get_ident())
        time.sleep(0.2)   # long enough for every other scenario to ask meanwhile
        return {"value": len(made)}

    for check_id in ("one", "two", "three"):
        @lab.check("t", check_id, check_id, points=1, hint="", public={"n": 1},
                   hidden=lambda r: {"n": r.randrange(10**6)}, seed_group="g")
        def run(s: Scenario) -> None:
            s.evidence["seen"] = s.shared(make)["value"]
    return lab


def test_a_seed_group_draws_the_same_hidden_parameters():
    lab = _lab([])
    drawn = [hidden_params(spec, "seed") for spec in lab.checks]
    assert drawn[0] == drawn[1] == drawn[2]
    assert hidden_params(lab.checks[0], "other") != drawn[0]


def test_scenarios_with_the_same_parameters_share_one_value(tmp_path):
    made: list = []
    results = run_checks(_lab(made).checks, Target(str(tmp_path / "x.py"), None), seed="seed")
    assert all(r.passed for r in results)
    # three distinct parameter sets (public, two hidden): three values made, for nine scenarios
    assert len(made) == 3
    seen = {(r.hidden, e["params"]["n"], e["evidence"]["seen"]) for r in results for e in r.evidence}
    assert len({(n, v) for _, n, v in seen}) == 3
    # a new checking run makes its own
    run_checks(_lab(made).checks[:1], Target(str(tmp_path / "x.py"), None))
    assert len(made) == 4


def test_a_spoiled_shared_value_is_made_again(tmp_path):
    made: list = []
    lab = Lab("77", "shared", handler_file="x.py", notebook="77_x.ipynb", tasks={"t": "task"})

    @lab.check("t", "once", "once", points=1, hint="", public={"n": 1})
    def run(s: Scenario) -> None:
        value = s.shared(lambda: made.append(1) or object())
        if len(made) == 1:   # the first value: as if the machine spoiled it
            s.forget_shared(value)
            raise Inconclusive("spoiled", "a clean run")

    [result] = run_checks(lab.checks, Target(str(tmp_path / "x.py"), None))
    assert result.passed and len(made) == 2 and result.evidence[0]["tries"] == 2
