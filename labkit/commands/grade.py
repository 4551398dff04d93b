"""labkit grade ROOT --out DIR [--seed S | --seed-file F] [--workers N] [--timeout SECONDS]
                   [--shard K/N] [--learner ID]
labkit grade merge DIR... --out OUT

ROOT holds one folder per learner (folder name = learner id) with lab notebooks under their
original names, or is a single notebook. Each submission gets a fresh embedded backend and a
fresh kernel; public checks and hidden ones (fault schedules drawn from the seed) then run
against the files the notebook wrote.

Failing cells: every cell runs even if an earlier one raised; a cell over --timeout seconds is
interrupted and the next one runs; if the kernel dies the rest is skipped; the whole notebook
is killed after 3 x timeout + 60 s. `status` in summary.csv is `ok` only when every cell ran
cleanly in time, otherwise it says which cells failed. Checks run in every case.

Several machines: `--shard K/N` grades only the K-th of N shards of the learners (a learner's
shard depends on their id alone); give every shard the same seed, then
`labkit grade merge SHARD_DIR... --out DIR` builds one gradebook. `--learner ID` regrades one
learner in place. Every submission's result is also DIR/platform/KEY.json, in the shape of
PrairieLearn's external-grader results.json.

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
    p.add_argument("root", nargs="+", metavar="ROOT",
                   help="folder of learner folders, or one notebook; or `merge DIR...`")
    p.add_argument("--out", help="output folder (results are resumable: re-run to continue)")
    p.add_argument("--seed", help="instructor seed for hidden scenarios (default: a new random "
                                  "one, remembered in DIR)")
    p.add_argument("--workers", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    p.add_argument("--seed-file", help="read the seed from this file (e.g. a mounted secret)")
    p.add_argument("--shard", help="K/N: grade only the K-th of N shards of the learners")
    p.add_argument("--learner", help="regrade only this learner, in place")


def run(args) -> int:
    sealed = os.environ.get(_SEALED) == "1"   # DIR came through the environment
    if not args.out and not sealed:
        print("labkit grade: --out DIR is required", file=sys.stderr)
        return 2
    if args.root[0] == "merge":
        return _merge(args.root[1:], Path(args.out))
    if len(args.root) != 1:
        print("labkit grade: give one ROOT (or `merge DIR...`)", file=sys.stderr)
        return 2
    if not sealed:
        problem = _check_options(args)
        if problem:
            print(f"labkit grade: {problem}", file=sys.stderr)
            return 2
        _reexec_sealed(args)  # does not return
    out = os.environ.pop(_OUT)
    seed = os.environ.pop(_SEED, None)
    os.environ.pop(_SEALED, None)
    from labkit.isolation import prctl

    prctl.make_non_dumpable()  # the seed is in our environment: /proc/PID/environ root-only
    from labkit.grading.run import SandboxUnavailable, SeedMismatch, UnknownLearner, grade_all
    from labkit.grading.shards import Shard

    root = Path(args.root[0])
    if not root.exists():
        print(f"labkit grade: {root} does not exist", file=sys.stderr)
        return 2
    try:
        grade_all(root, Path(out), seed, workers=args.workers, cell_timeout=args.timeout,
                  shard=Shard.parse(args.shard) if args.shard else None, learner=args.learner)
    except (SeedMismatch, SandboxUnavailable, UnknownLearner) as exc:
        print(f"labkit grade: {exc}", file=sys.stderr)
        return 2
    return 0


def _check_options(args) -> str:
    """Why these options cannot work together, or ""."""
    if args.seed is not None and args.seed_file:
        return "give --seed or --seed-file, not both"
    if args.seed_file and not os.path.isfile(args.seed_file):
        return f"--seed-file {args.seed_file} does not exist"
    if args.shard:
        from labkit.grading.shards import Shard

        try:
            Shard.parse(args.shard)
        except ValueError as exc:
            return str(exc)
        if args.seed is None and not args.seed_file:
            return ("--shard needs the class's seed (--seed or --seed-file): every shard must "
                    "draw the same hidden scenarios")
    return ""


def _merge(folders: list[str], out: Path) -> int:
    from labkit.grading.merge import MergeProblem, merge

    if not folders:
        print("labkit grade merge: give the shards' output folders", file=sys.stderr)
        return 2
    missing = [f for f in folders if not Path(f).is_dir()]
    if missing:
        print(f"labkit grade merge: not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        count = merge([Path(f) for f in folders], out)
    except MergeProblem as exc:
        print(f"labkit grade merge: {exc}", file=sys.stderr)
        return 2
    print(f"labkit grade merge: {count} submission(s) from {len(folders)} folder(s) into {out}")
    return 0


def _reexec_sealed(args) -> None:
    """Run again with the seed and DIR out of argv (/proc/PID/cmdline is world-readable)."""
    env = dict(os.environ)
    env[_SEALED] = "1"
    env[_OUT] = str(Path(args.out).resolve())
    if args.seed is not None:
        env[_SEED] = args.seed
    elif args.seed_file:
        env[_SEED] = Path(args.seed_file).read_text().strip()
    argv = [sys.executable, "-m", "labkit.cli", "grade", str(args.root[0]),
            "--workers", str(args.workers), "--timeout", str(args.timeout)]
    if args.shard:
        argv += ["--shard", args.shard]
    if args.learner:
        argv += ["--learner", args.learner]
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)
