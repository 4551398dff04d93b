"""Grading throughput: `labkit grade` on N copies of one solution with --workers 2, against
N x (bare nbclient execution time of that notebook) / 2 (issue 5: goal ratio <= 1.3).

    python -m bench.bench_grading [--copies 30] [--lab 99_example] [--bare-runs 3]

"Bare" = nbclient executing the notebook alone, in a fresh kernel, as a learner's `Run All`
would: its first cell starts its own embedded backend, as it does when nothing is running.
The bare time is the median of --bare-runs sequential runs. Grading adds, per submission, a
fresh backend, the sandboxing, and the public + hidden checks. Prints both; asserts nothing
(timings on a shared 2-core machine are noisy: compare ratios, not seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from labkit.kernel_client import SlicedPollKernelManager

ROOT = Path(__file__).resolve().parents[1]


def bare_run(notebook: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as folder:
        nb = nbformat.read(notebook, as_version=4)
        env_before = {k: os.environ.pop(k) for k in ("AWS_ENDPOINT_URL",) if k in os.environ}
        os.environ["LABKIT_HOME"] = folder
        started = time.monotonic()
        NotebookClient(nb, timeout=600, allow_errors=False, kernel_name="python3",
                       kernel_manager_class=SlicedPollKernelManager,
                       resources={"metadata": {"path": folder}}).execute()
        elapsed = time.monotonic() - started
        os.environ.update(env_before)
        return elapsed


def _median_phases(out: Path) -> dict[str, float]:
    """Where a submission's time goes: backend start, notebook, checks (medians)."""
    timings = [json.loads(p.read_text()).get("timings", {}) for p in (out / "results").glob("*.json")]
    keys = sorted({k for t in timings for k in t})
    return {k: statistics.median(t[k] for t in timings if k in t) for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_grading")
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--lab", default="99_example")
    parser.add_argument("--bare-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    notebook = ROOT / "solutions" / f"{args.lab}.ipynb"

    bare = [bare_run(notebook) for _ in range(args.bare_runs)]
    bare_s = statistics.median(bare)
    print(f"bare nbclient execution of {notebook.name}: median {bare_s:.1f} s "
          f"(runs: {', '.join(f'{b:.1f}' for b in bare)})", flush=True)

    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        root, out = work / "root", work / "out"
        for i in range(args.copies):
            (root / f"learner{i:02d}").mkdir(parents=True)
            shutil.copy(notebook, root / f"learner{i:02d}" / notebook.name)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "labkit.cli", "grade", str(root), "--out", str(out),
             "--seed", "bench", "--workers", str(args.workers), "--timeout", "300"],
            cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            return 1
        summary = (out / "summary.csv").read_text().splitlines()[1:]
        full = sum(1 for line in summary if line.split(",")[4] == "ok")
        phases = _median_phases(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    budget = args.copies * bare_s / args.workers
    print(f"labkit grade, {args.copies} copies, --workers {args.workers}: {wall:.1f} s "
          f"({full}/{args.copies} ran cleanly)")
    print(f"{args.copies} x bare / {args.workers} = {budget:.1f} s")
    print(f"ratio grading / (N x bare / workers) = {wall / budget:.2f}  (goal <= 1.3)")
    print("median per submission: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
