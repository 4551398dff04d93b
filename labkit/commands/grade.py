"""labkit grade ROOT --out DIR [--seed S] [--workers N] [--timeout SECONDS]

ROOT holds one folder per learner (folder name = learner id) with lab notebooks under their
original names, or is a single notebook. Each submission gets a fresh embedded backend and a
fresh kernel; public checks and hidden ones (fault schedules drawn from the seed) then run
against the handler the notebook wrote.

Failing cells: every cell runs even if an earlier one raised; a cell over --timeout seconds is
interrupted and the next one runs; if the kernel dies the rest is skipped; the whole notebook
is killed after 3 x timeout + 60 s. `status` in summary.csv is `ok` only when every cell ran
cleanly in time, otherwise it says which cells failed. Checks run in every case.

The seed and DIR never reach learner code: this command re-executes itself with both moved
from its command line into its (private) environment, marks itself non-dumpable, and starts
learner code with an environment of its own (as `nobody` when run as root).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HELP = "Grade a class's lab notebooks: fresh kernel + backend each, public + hidden checks."

_SEALED = "LABKIT_GRADE_SEALED"
_SEED = "LABKIT_GRADE_SEED"
_OUT = "LABKIT_GRADE_OUT"


def add_arguments(p) -> None:
    p.description = __doc__
    p.formatter_class = __import__("argparse").RawDescriptionHelpFormatter
    p.add_argument("root", help="folder of learner folders, or one notebook")
    p.add_argument("--out", help="output folder (results are resumable: re-run to continue)")
    p.add_argument("--seed", help="instructor seed for hidden scenarios (default: a new random "
                                  "one, remembered in DIR)")
    p.add_argument("--workers", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")


def run(args) -> int:
    if os.environ.get(_SEALED) != "1":
        if not args.out:
            print("labkit grade: --out DIR is required", file=sys.stderr)
            return 2
        _reexec_sealed(args)  # does not return
    out = os.environ.pop(_OUT)
    seed = os.environ.pop(_SEED, None)
    os.environ.pop(_SEALED, None)
    _make_non_dumpable()
    from labkit.grading.run import SandboxUnavailable, SeedMismatch, grade_all

    root = Path(args.root)
    if not root.exists():
        print(f"labkit grade: {root} does not exist", file=sys.stderr)
        return 2
    try:
        grade_all(root, Path(out), seed, workers=args.workers, cell_timeout=args.timeout)
    except (SeedMismatch, SandboxUnavailable) as exc:
        print(f"labkit grade: {exc}", file=sys.stderr)
        return 2
    return 0


def _reexec_sealed(args) -> None:
    """Run again with the seed and DIR out of argv (/proc/PID/cmdline is world-readable)."""
    env = dict(os.environ)
    env[_SEALED] = "1"
    env[_OUT] = str(Path(args.out).resolve())
    if args.seed is not None:
        env[_SEED] = args.seed
    argv = [sys.executable, "-m", "labkit.cli", "grade", str(args.root),
            "--workers", str(args.workers), "--timeout", str(args.timeout)]
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)


def _make_non_dumpable() -> None:
    """/proc/PID/environ and ptrace of this process become root-only (PR_SET_DUMPABLE=0)."""
    import ctypes

    PR_SET_DUMPABLE = 4
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
