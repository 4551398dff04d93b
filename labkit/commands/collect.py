"""`labkit collect HOMES --out ROOT`: every learner's lab notebooks, ready for grading."""
from __future__ import annotations

import sys
from pathlib import Path

HELP = "Copy every learner's lab notebooks from their home folders into a grading ROOT."


def add_arguments(p) -> None:
    p.add_argument("homes", help="the folder holding one home folder per learner, e.g. /home")
    p.add_argument("--out", required=True, help="the grading ROOT to create or update")
    p.add_argument("--prefix", default="jupyter-",
                   help="strip this from home folder names to get learner ids "
                        "(The Littlest JupyterHub names homes jupyter-NAME; '' for none)")


def run(args) -> int:
    from labkit.grading.collect import collect

    homes = Path(args.homes)
    if not homes.is_dir():
        print(f"labkit collect: {homes} is not a folder", file=sys.stderr)
        return 2
    result = collect(homes, Path(args.out), args.prefix)
    for learner, labs in result.copied.items():
        print(f"  {learner}: {', '.join(labs)}")
    if result.without_labs:
        print(f"no lab notebooks: {', '.join(result.without_labs)}")
    print(f"labkit collect: {len(result.copied)} learner(s) into {args.out}; "
          f"grade with: labkit grade {args.out} --out GRADES")
    return 0
