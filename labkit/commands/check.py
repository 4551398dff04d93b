"""labkit check PATH [--task TASK] [--hint]: run a lab's public checks from a terminal.

PATH is the lab notebook (labs/99_example.ipynb) or the folder holding the handler file it
writes (the checks test that file, exactly as `check(...)` in the notebook does). Uses the
backend labkit would use (AWS_ENDPOINT_URL, or the embedded one, started if needed).
--hint reveals the concrete hint of a failing check, as `check(..., hint=True)` does (and is
recorded the same way, in $LABKIT_HOME/progress.json).
"""
from __future__ import annotations

import sys
from pathlib import Path

HELP = "Run a lab's public checks against your handler (for terminal / VS Code users)."


def add_arguments(p) -> None:
    p.add_argument("path", help="the lab notebook, or the folder with its handler file")
    p.add_argument("--lab", help="lab number when PATH is a folder (e.g. 99)")
    p.add_argument("--task", help="only this task (e.g. task-2); default: every task")
    p.add_argument("--hint", action="store_true",
                   help="also show the concrete hint of each failing check (recorded)")


def run(args) -> int:
    from labkit.checks import check, get_lab, lab_for_notebook
    from labkit.checks.learner_progress import progress_path

    path = Path(args.path)
    if path.is_file():
        lab = lab_for_notebook(path)
        folder = path.parent
    else:
        lab = get_lab(args.lab) if args.lab else None
        folder = path
    if lab is None:
        print("labkit check: say which lab (a lab notebook path, or --lab NN)", file=sys.stderr)
        return 2
    report = check(lab.number, args.task, folder=folder, hint=args.hint)
    lab_option = f" --lab {lab.number}" if not path.is_file() else ""
    report.ask_for_hint = f"labkit check {args.path}{lab_option} --task {{task}} --hint"
    report.asks_recorded = f"in your progress ({progress_path()})"
    print(report)
    return 0 if report.passed else 1
