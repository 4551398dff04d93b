"""Grading beyond one machine: `--shard K/N` on each machine, then `labkit grade merge`, must
give the same gradebook as one unsharded run of the same class; `--learner ID` regrades one
learner in place; every submission also has a platform (PrairieLearn-shaped) result."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from labkit.grading.shards import Shard

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "99_example.ipynb"
SEED = "shards-test-seed"
# three learners, one in each of three shards (Shard.owns hashes the name): two hand in the
# solution, one the starter
CLASS = {"ada": "solutions", "hal": "labs", "cy": "solutions"}


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "grade", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _table(path: Path, drop: tuple[str, ...] = ()) -> list[dict]:
    with open(path) as f:
        return [{k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("shards")
    os.chmod(tmp, 0o755)
    hand_in = tmp / "hand-in"
    for learner, folder in CLASS.items():
        (hand_in / learner).mkdir(parents=True)
        shutil.copy(ROOT / folder / NOTEBOOK, hand_in / learner / NOTEBOOK)
    for path in [hand_in, *hand_in.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    seed_file = tmp / "seed.txt"
    seed_file.write_text(SEED + "\n")
    _grade(str(hand_in), "--out", str(tmp / "whole"), "--seed", SEED, "--workers", "2", cwd=tmp)
    # the shards run at once, as on three machines
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda k: _grade(str(hand_in), "--out", str(tmp / f"shard-{k}"),
                                       "--seed-file", str(seed_file), "--shard", f"{k}/3",
                                       "--workers", "1", cwd=tmp), (1, 2, 3)))
    _grade("merge", *(str(tmp / f"shard-{k}") for k in (1, 2, 3)), "--out", str(tmp / "merged"),
           cwd=tmp)
    return {"hand_in": hand_in, "tmp": tmp, "whole": tmp / "whole", "merged": tmp / "merged"}


def test_shards_split_the_learners_and_together_cover_each_once():
    learners = [f"learner-{i}" for i in range(200)]
    owners = [[s for s in range(1, 4) if Shard(s, 3).owns(name)] for name in learners]
    assert all(len(o) == 1 for o in owners)
    assert {o[0] for o in owners} == {1, 2, 3}


def test_the_class_has_a_learner_in_every_shard():
    assert sorted(s for name in CLASS for s in range(1, 4) if Shard(s, 3).owns(name)) == [1, 2, 3]


def test_merged_shards_equal_one_unsharded_run(graded):
    whole, merged = graded["whole"], graded["merged"]
    assert _table(merged / "summary.csv", drop=("seconds",)) == \
        _table(whole / "summary.csv", drop=("seconds",))
    assert _table(merged / "grades.csv") == _table(whole / "grades.csv")
    assert (merged / "canvas.csv").read_text() == (whole / "canvas.csv").read_text()
    scores = {row["learner"]: int(row["score"]) for row in _table(whole / "summary.csv")}
    assert {k for k, v in scores.items() if v > 0} == {"ada", "cy"}  # not all alike
    for folder in ("feedback", "evidence", "platform"):
        assert sorted(p.name for p in (merged / folder).iterdir()) == \
            sorted(p.name for p in (whole / folder).iterdir())
    assert (merged / "report.html").is_file()


def test_shards_graded_with_different_seeds_do_not_merge(graded, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(graded["tmp"] / "shard-1", other)
    (other / ".seed").write_text("another seed")
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "grade", "merge", str(other),
                           str(graded["tmp"] / "shard-2"), "--out", str(tmp_path / "m")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "different seeds" in proc.stderr


def test_a_shard_without_the_class_seed_is_refused(graded, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "grade", str(graded["hand_in"]),
                           "--out", str(tmp_path / "s"), "--shard", "1/3"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--seed" in proc.stderr
    assert not (tmp_path / "s").exists()


def test_platform_result_has_prairielearn_shape(graded):
    for path in (graded["whole"] / "platform").iterdir():
        result = json.loads(path.read_text())
        assert set(result) >= {"gradable", "score", "tests"}
        assert 0.0 <= result["score"] <= 1.0
        assert sum(t["points"] for t in result["tests"]) == result["points"]
        assert all({"name", "points", "max_points", "message"} <= set(t) for t in result["tests"])
    ada = json.loads((graded["whole"] / "platform" / "ada-99_example.json").read_text())
    hal = json.loads((graded["whole"] / "platform" / "hal-99_example.json").read_text())
    assert ada["score"] == 1.0 and hal["score"] == 0.0


def test_regrading_one_learner_in_place_keeps_everyone_else(graded):
    whole = graded["whole"]
    before = {p.name: p.read_text() for p in (whole / "results").iterdir()}
    _grade(str(graded["hand_in"]), "--out", str(whole), "--seed", SEED, "--learner", "hal",
           cwd=graded["tmp"])
    after = {p.name: p.read_text() for p in (whole / "results").iterdir()}
    assert after.keys() == before.keys()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"hal-99_example.json"}  # graded again (new start time), nobody else
    assert _table(whole / "summary.csv", drop=("seconds",)) == \
        _table(graded["merged"] / "summary.csv", drop=("seconds",))
