"""Robust under load: the timing-sensitive lessons and labs, with CPU hogs running beside them.

    python -m bench.bench_under_load [--hogs 2] [--lessons 01,03,05,06,08,09,10,11,12,13]
                                     [--labs 01,03,05,06,08,09,10,11,12] [--seed under-load]

Each lesson is executed headless in a fresh kernel (nbclient, as `Run All` would: it starts its
own embedded backend); each lab's solution notebook is handed to `labkit grade` alone, as a
learner hands it in, and graded on its public and hidden scenarios. Meanwhile `--hogs`
processes spin on the CPU (2 on this 2-core machine: every core shared). Prints, per item,
pass/fail and seconds, and the load average; a failed item shows why. Asserts nothing about
time: a timing in a test would fail on a slower machine, which is what this measures instead.
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_grading import bare_run

ROOT = Path(__file__).resolve().parents[1]


def spin(until: float) -> None:
    """A CPU-bound process: arithmetic until the deadline, no I/O."""
    x = 0
    while time.time() < until:
        for _ in range(100_000):
            x = (x * 31 + 7) % 1_000_003


def notebook(folder: str, number: str) -> Path:
    found = sorted((ROOT / folder).glob(f"{number}_*.ipynb"))
    if not found:
        raise SystemExit(f"no {folder}/{number}_*.ipynb")
    return found[0]


def run_lesson(number: str) -> tuple[bool, float, str]:
    path = notebook("notebooks", number)
    started = time.monotonic()
    try:
        bare_run(path)
        return True, time.monotonic() - started, ""
    except Exception as error:   # a failing cell: report it, go on with the next item
        return False, time.monotonic() - started, f"{type(error).__name__}: {str(error)[-300:]}"


def run_lab(number: str, seed: str) -> tuple[bool, float, str]:
    solution = notebook("solutions", number)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as work:
        learner = Path(work) / "root" / "solution"
        learner.mkdir(parents=True)
        shutil.copy(solution, learner / solution.name)
        out = Path(work) / "out"
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "labkit.cli", "grade", str(learner.parent), "--out", str(out),
             "--seed", seed, "--workers", "1"], cwd=ROOT, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        if proc.returncode != 0 or not (out / "summary.csv").is_file():
            return False, elapsed, (proc.stdout + proc.stderr)[-300:]
        row = next(csv.DictReader((out / "summary.csv").open()))
        failed = [r for r in csv.DictReader((out / "grades.csv").open())
                  if r.get("passed", "").lower() not in ("true", "1")]
        why = "; ".join(f"{r['check']}: {r['detail'][:160]}" for r in failed)
        return row["score"] == row["max"], elapsed, why or f"{row['score']}/{row['max']}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_under_load")
    parser.add_argument("--hogs", type=int, default=2)
    # the lessons and labs that wait on timers: visibility timeouts, alarm periods, sagas' timeouts,
    # bursts against concurrency and throttling limits, cold starts, connection budgets, a canary
    parser.add_argument("--lessons", default="01,03,05,06,08,09,10,11,12,13")
    parser.add_argument("--labs", default="01,03,05,06,08,09,10,11,12")
    parser.add_argument("--seed", default="under-load")
    args = parser.parse_args()
    items = [("lesson", n) for n in args.lessons.split(",") if n] + \
            [("lab", n) for n in args.labs.split(",") if n]

    until = time.time() + 6 * 3600   # stopped below; the deadline only guards a crash here
    hogs = [multiprocessing.Process(target=spin, args=(until,), daemon=True)
            for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    rows = []
    try:
        for kind, number in items:
            passed, seconds, why = run_lesson(number) if kind == "lesson" else run_lab(number, args.seed)
            load = os.getloadavg()[0]
            rows.append((kind, number, passed, seconds, load, why))
            print(f"{kind:6} {number}  {'pass' if passed else 'FAIL'}  {seconds:7.1f} s  "
                  f"load {load:5.1f}  {'' if passed else why}", flush=True)
    finally:
        for hog in hogs:
            hog.terminate()
    passed = sum(1 for r in rows if r[2])
    print(f"\n{passed}/{len(rows)} passed with {args.hogs} CPU hog(s) beside them, "
          f"{sum(r[3] for r in rows):.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
