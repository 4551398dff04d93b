"""Grade every submission under ROOT into DIR, in parallel, resumably.

Each finished submission is written at once, atomically, in this order: evidence, feedback,
then ``DIR/results/KEY.json`` (the "done" marker). summary/grades/canvas are rebuilt from all
results after each one; report.html (plots: ~1 CPU-s for a class) at the start and the end of
a run. After ``kill -9``, running again with the same DIR skips every submission that has its
result file, rebuilds every file from the results, and loses nothing.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from labkit.checks import LAB_MODULES, get_lab
from labkit.grading import feedback, gradebook
from labkit.grading.executor import GradeSettings, check, execute, kill_leftovers
from labkit.isolation.atomic_files import write_atomic, write_json_atomic
from labkit.isolation.limits import learner_can_run_python
from labkit.grading.platform_result import PLATFORM_FOLDER, platform_result
from labkit.grading.shards import Shard, forget
from labkit.grading.submissions import Submission, discover

SEED_FILE = ".seed"


class SeedMismatch(Exception):
    pass


class SandboxUnavailable(Exception):
    pass


class UnknownLearner(Exception):
    pass


def resolve_seed(out: Path, given: str | None) -> str:
    """The seed of this output folder: given, or remembered from the first run, or new."""
    path = out / SEED_FILE
    if path.exists():
        stored = path.read_text().strip()
        if given is not None and given != stored:
            raise SeedMismatch(f"{out} was graded with another --seed; use a new --out folder "
                               "or the same seed")
        return stored
    seed = given if given is not None else secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed)
    return seed


def load_results(out: Path) -> dict[str, dict[str, Any]]:
    results = {}
    for path in sorted((out / "results").glob("*.json")):
        try:
            results[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a torn file cannot exist (atomic writes), but never trust, re-grade
    return results


def grade_all(root: Path, out: Path, seed: str | None, workers: int = 1,
              cell_timeout: int = 120, log: Callable[[str], None] = print,
              shard: Shard | None = None, learner: str | None = None) -> dict[str, Any]:
    """Grade ROOT into OUT. ``shard``: only this shard's learners (several machines each grade
    one; `labkit grade merge` joins them). ``learner``: regrade that learner in place (their
    earlier results in OUT are replaced, everyone else's kept)."""
    problem = learner_can_run_python()
    if problem:
        raise SandboxUnavailable(problem)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # learner code (another user when we are root) cannot look inside
    pid_dir = out / ".running"
    pid_dir.mkdir(exist_ok=True)
    leftovers = kill_leftovers(pid_dir)
    if leftovers:
        log(f"labkit grade: stopped {leftovers} process group(s) left by an interrupted run")
    settings = GradeSettings(seed=resolve_seed(out, seed), cell_timeout=cell_timeout,
                             pid_dir=pid_dir)
    submissions = discover(root)
    if shard is not None:
        submissions = [sub for sub in submissions if shard.owns(sub.learner)]
    if learner is not None:
        submissions = [sub for sub in submissions if sub.learner == learner]
        if not submissions:
            raise UnknownLearner(f"no submissions of learner {learner!r} under {root}")
        forget(out, [sub.key for sub in submissions])
    done = load_results(out)
    todo = [s for s in submissions if s.key not in done]
    log(f"labkit grade: {len(submissions)} submission(s), {len(submissions) - len(todo)} "
        f"already graded, {len(todo)} to grade with {workers} worker(s)")
    lock = threading.Lock()
    write_aggregates(out, done, report=True)
    started = time.monotonic()
    # Pipeline: `workers` notebooks execute at once; the checks of a finished notebook (mostly
    # waiting on the backend and on injected delays) overlap with the next notebook. At most
    # `workers` finished notebooks wait for their checks (each holds a backend).
    waiting_for_checks = threading.Semaphore(max(1, workers))

    def check_and_record(executed, sub: Submission) -> None:
        try:
            _record(out, sub, check(executed, settings), done, lock, log)
        finally:
            waiting_for_checks.release()

    with ThreadPoolExecutor(max_workers=max(1, workers)) as checking:
        def execute_then_check(sub: Submission):
            executed = execute(sub, settings)
            if isinstance(executed, dict):  # nothing to check (not a notebook, ...)
                _record(out, sub, executed, done, lock, log)
                return None
            waiting_for_checks.acquire()
            return checking.submit(check_and_record, executed, sub)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as executing:
            queued = list(executing.map(execute_then_check, todo))
        for future in queued:
            if future is not None:
                future.result()
    write_aggregates(out, done, report=True)
    log(f"labkit grade: wrote {out} in {time.monotonic() - started:.1f} s")
    return {"graded": len(todo), "skipped": len(submissions) - len(todo), "results": done}


def _record(out: Path, sub: Submission, result: dict[str, Any], done: dict, lock, log) -> None:
    """Write one finished submission at once (so kill -9 loses nothing finished)."""
    write_submission(out, sub, result)
    with lock:
        done[sub.key] = result
        write_aggregates(out, done)
    log(f"  {sub.learner} / {sub.lab}: {result['score']}/{result['max']} "
        f"[{result['status']}] in {result['seconds']} s")


def write_submission(out: Path, sub: Submission, result: dict[str, Any]) -> None:
    evidence = result.pop("evidence", [])
    write_json_atomic(out / "evidence" / f"{sub.key}.json",
                      {"learner": sub.learner, "lab": sub.lab, "notebook_run": result["cells"],
                       "checks": evidence})
    write_atomic(out / "feedback" / f"{sub.key}.html", feedback.feedback_html(result))
    write_json_atomic(out / PLATFORM_FOLDER / f"{sub.key}.json", platform_result(result))
    write_json_atomic(out / "results" / f"{sub.key}.json", result)  # last: the done marker


def write_aggregates(out: Path, done: dict[str, dict[str, Any]], report: bool = False) -> None:
    results = [done[k] for k in sorted(done)]
    titles = {}
    for number in LAB_MODULES:
        lab = get_lab(number)
        titles[Path(lab.notebook).stem] = f"Lab {lab.number}: {lab.title}"
    gradebook.write_all(out, results, titles)
    if report:
        write_atomic(out / "report.html", feedback.report_html(results))
