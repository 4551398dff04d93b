"""`labkit grade merge DIR... --out OUT`: one gradebook from the output folders of shards.

Every shard must have been graded with the same seed (hidden scenarios differ otherwise, and
the class would not have been graded alike). A submission graded in two shards is an error:
shards own disjoint learners, so it means two different classes or overlapping runs.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from labkit.grading.run import SEED_FILE, load_results, write_aggregates
from labkit.grading.shards import SUBMISSION_FOLDERS


class MergeProblem(Exception):
    pass


def merge(shard_dirs: list[Path], out: Path) -> int:
    """Copy every shard's submissions into OUT and rebuild the gradebook; returns how many."""
    seeds = {}
    for folder in shard_dirs:
        seed_file = folder / SEED_FILE
        if not seed_file.is_file():
            raise MergeProblem(f"{folder} is not a `labkit grade` output folder (no {SEED_FILE})")
        seeds[folder] = seed_file.read_text().strip()
    if len(set(seeds.values())) > 1:
        raise MergeProblem("the shards were graded with different seeds: grade every shard "
                           "with the same --seed")
    owner: dict[str, Path] = {}
    done = {}
    for folder in shard_dirs:
        for key, result in load_results(folder).items():
            if key in owner:
                raise MergeProblem(f"{key} was graded in both {owner[key]} and {folder}")
            owner[key], done[key] = folder, result
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    seed = next(iter(seeds.values()), None)
    if seed is not None:
        _write_seed(out / SEED_FILE, seed)
    for key, folder in owner.items():
        for sub_folder, suffix in SUBMISSION_FOLDERS.items():
            source = folder / sub_folder / f"{key}{suffix}"
            if source.is_file():
                (out / sub_folder).mkdir(exist_ok=True)
                shutil.copyfile(source, out / sub_folder / source.name)
    write_aggregates(out, done, report=True)
    return len(done)


def _write_seed(path: Path, seed: str) -> None:
    if path.is_file():
        if path.read_text().strip() != seed:
            raise MergeProblem(f"{path.parent} already holds a gradebook with another seed")
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed)
