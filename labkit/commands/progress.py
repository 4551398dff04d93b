"""labkit progress: which lab tasks you have passed (public checks), kept in
$LABKIT_HOME/progress.json (default ~/.labkit/progress.json), never in the repository."""
from __future__ import annotations

import json

HELP = "Show which lab tasks you have passed so far."


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="print the raw progress file")


def run(args) -> int:
    from labkit.checks import LAB_MODULES, get_lab
    from labkit.checks.learner_progress import load, progress_path

    data = load()
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print(f"progress ({progress_path()}):")
    for number in LAB_MODULES:
        lab = get_lab(number)
        mine = data.get("labs", {}).get(number, {}).get("tasks", {})
        done = sum(1 for t in lab.tasks if mine.get(t, {}).get("passed"))
        print(f"  lab {number} {lab.title}: {done}/{len(lab.tasks)} tasks passed")
        for task, title in lab.tasks.items():
            entry = mine.get(task)
            if entry is None:
                mark = "not tried"
            elif entry.get("passed"):
                mark = f"PASSED ({entry.get('first_passed', '')})"
            else:
                mark = f"not yet ({entry.get('last_score', 0)}/{entry.get('max', 0)} last time)"
            print(f"    {task}: {title}: {mark}")
    return 0
