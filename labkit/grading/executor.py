"""Grade one submission: fresh backend, fresh kernel, then public + hidden checks, in two
steps, execute() then check(), which run.py overlaps across submissions.

Isolation (what learner code can reach):
  * the kernel runs under resource limits and, when the grader is root, as ``nobody``
    (labkit.isolation.limits), in a temporary work folder, with an environment holding only the
    backend's URL and dummy credentials: never the seed, never the output folder;
  * the checks run here, in the grader, against a *copy* of the handler file the notebook
    wrote; the handler itself runs in sandboxed processes (labkit.checks.sandbox);
  * every submission gets its own embedded backend (ServerProcess) on its own port, started
    like the kernel (limits, ``nobody`` when the grader is root): the notebook deploys Lambda
    functions there, and their code runs in the backend's worker processes.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from labkit.checks import GRADING_ENV, get_lab
from labkit.checks.framework import INCONCLUSIVE, CheckResult, Target, run_checks
from labkit.checks.sandbox import Limits
from labkit.emulator.server import WARM_UP_ENV, ServerProcess
from labkit.grading.hints import hints_revealed
from labkit.isolation.limits import give_to_learner, limited_command
from labkit.platform_support import PORTABLE_ENV, portable_mode
from labkit.grading.submissions import Submission


@dataclass
class GradeSettings:
    seed: str
    cell_timeout: int = 120          # --timeout: per cell
    memory_mb: int = 3072            # address space of the kernel and of each handler process
    output_limit: int = 2_000_000    # bytes of notebook output kept
    pid_dir: Path | None = None      # where running children are listed (cleanup after kill -9)

    @property
    def notebook_limit(self) -> int:
        """Wall-clock limit for a whole notebook (cells ignoring interrupts cannot hang us)."""
        return 3 * self.cell_timeout + 60


@dataclass
class Executed:
    """A submission whose notebook has run: its backend is still up for the checks."""

    sub: Submission
    lab: Any
    result: dict[str, Any]
    started: float
    server: ServerProcess | None
    pids: "_PidFile"
    folders: list[str]
    run: dict[str, Any]
    handler: Path | None
    timings: dict[str, float]

    def cleanup(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.pids.remove()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


def new_backend(settings: GradeSettings) -> ServerProcess:
    """A submission's own backend (not started), as unprivileged as its kernel."""
    return ServerProcess(env=_server_env(), command_wrapper=lambda cmd: limited_command(
        cmd, settings.memory_mb, 4 * settings.notebook_limit, 256))


def execute(sub: Submission, settings: GradeSettings) -> "Executed | dict[str, Any]":
    """Phase 1: fresh backend, fresh kernel, run the notebook. Returns the final result
    directly when there is nothing to check."""
    started = time.time()
    lab = get_lab(sub.lab) if sub.lab != "-" else None
    result: dict[str, Any] = {"learner": sub.learner, "lab": sub.lab, "started": started,
                              "notebook": sub.path.name if sub.path else None}
    if lab is None or sub.problem:
        return _finish(result, [], sub.problem or "no lab notebook", {}, started)
    problem = _unreadable(sub.path)
    if problem:
        results = _zero_results(lab, f"no checks could run: {problem}")
        return _finish(result, results, problem, {}, started)
    # read from the notebook as handed in: the run below re-executes it, where check() defers
    result["hints_revealed"] = hints_revealed(sub.path, lab)

    private = tempfile.mkdtemp(prefix="labkit-grade-")          # grader only (0700)
    workdir = tempfile.mkdtemp(prefix="labkit-work-")           # the learner's folder
    snapshot = tempfile.mkdtemp(prefix="labkit-code-")          # submitted files, read-only
    os.chmod(snapshot, 0o755)
    executed = Executed(sub, lab, result, started, None, _PidFile(settings.pid_dir, sub.key),
                        [private, workdir, snapshot], {}, None, {})
    mark = time.monotonic()
    try:
        server = new_backend(settings).start()
        executed.server = server
        executed.pids.add(server.proc.pid)
        executed.timings["backend_start"] = round(time.monotonic() - mark, 2)
        mark = time.monotonic()
        shutil.copy(sub.path, Path(workdir) / lab.notebook)
        executed.run = _execute_notebook(Path(workdir) / lab.notebook, workdir, private,
                                         server.url, settings, executed.pids)
        executed.timings["notebook"] = round(time.monotonic() - mark, 2)
        for name in lab.submitted_files:   # what the checks read, copied out of reach
            written = Path(workdir) / name
            if written.is_file() and not written.is_symlink():
                shutil.copyfile(written, Path(snapshot) / name)
                os.chmod(Path(snapshot) / name, 0o644)
        if (Path(snapshot) / lab.handler_file).is_file():
            executed.handler = Path(snapshot) / lab.handler_file
        return executed
    except Exception as exc:  # noqa: BLE001 - one submission must never take the run down
        executed.cleanup()
        results = _zero_results(lab, f"grading failed: {type(exc).__name__}: {exc}")
        return _finish(result, results, f"grader error: {type(exc).__name__}: {exc}"[:200],
                       {}, started)


def _server_env() -> dict[str, str]:
    """The backend runs the learner's Lambda functions: it gets nothing of the grader's. It
    skips warming up Step Functions (~1 CPU-s that most labs never use; the first execution
    pays it instead, which a grading run does not notice)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABKIT_GRADE", "AWS_"))}
    env[WARM_UP_ENV] = "0"
    return env


def check(executed: Executed, settings: GradeSettings) -> dict[str, Any]:
    """Phase 2: public + hidden checks against the handler the notebook wrote; clean up."""
    lab, mark = executed.lab, time.monotonic()
    try:
        if executed.handler is not None:
            target = Target(str(executed.handler), executed.server.url, drop_root=True,
                            limits=Limits(memory_mb=settings.memory_mb))
            results = run_checks(lab.checks, target, seed=settings.seed)
        else:
            results = _zero_results(lab, f"the notebook did not write {lab.handler_file}")
        status = with_unjudged_checks(_status(executed.run), results)
    except Exception as exc:  # noqa: BLE001
        results = _zero_results(lab, f"grading failed: {type(exc).__name__}: {exc}")
        status = f"grader error: {type(exc).__name__}: {exc}"[:200]
    finally:
        executed.cleanup()
    executed.timings["checks"] = round(time.monotonic() - mark, 2)
    executed.result["timings"] = executed.timings
    return _finish(executed.result, results, status, executed.run, executed.started)


def _unreadable(path: Path | None) -> str:
    """Why this file is not a notebook we can execute, or "" when it is one."""
    if path is None:
        return "no notebook"
    try:
        if path.stat().st_size > 50_000_000:
            return "not a notebook: larger than 50 MB"
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any reason it will not load is the answer
        return f"not a notebook: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    if not any(c.cell_type == "code" for c in nb.cells):
        return "not a notebook: no code cells"
    return ""


class _PidFile:
    """Children of this submission that a kill -9 of the grader would orphan; the next run
    with the same DIR stops them (kill_leftovers)."""

    def __init__(self, folder: Path | None, key: str):
        self.path = folder / f"{key}.pids" if folder else None

    def add(self, pid: int) -> None:
        if self.path:
            with open(self.path, "a") as f:
                f.write(f"{pid}\n")

    def remove(self) -> None:
        if self.path:
            self.path.unlink(missing_ok=True)


def kill_leftovers(folder: Path) -> int:
    """Stop the process groups a killed grader left behind (only labkit processes)."""
    killed = 0
    for pid_file in folder.glob("*.pids"):
        for line in pid_file.read_text().split():
            pid = int(line)
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"labkit" not in f.read():
                        continue  # the pid was reused by something else
                os.killpg(pid, 9)
                killed += 1
            except (OSError, ProcessLookupError):
                continue
        pid_file.unlink()
    return killed


def _execute_notebook(notebook: Path, workdir: str, private: str, url: str,
                      settings: GradeSettings, pids: "_PidFile") -> dict[str, Any]:
    kernel_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": workdir, "LANG": "C.UTF-8", "MALLOC_ARENA_MAX": "2",
        "LABKIT_HOME": os.path.join(workdir, ".labkit"),
        "IPYTHONDIR": os.path.join(workdir, ".ipython"),
        "MPLCONFIGDIR": os.path.join(workdir, ".matplotlib"),
        "MPLBACKEND": "Agg",
        "AWS_ENDPOINT_URL": url, "LABKIT_BACKEND": "embedded", GRADING_ENV: "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
    }
    if portable_mode():   # the kernel takes the grader's runtime path (LABKIT_PORTABLE on Linux)
        kernel_env[PORTABLE_ENV] = "1"
    os.makedirs(os.path.join(workdir, ".runtime"))
    give_to_learner(workdir)
    env_file = os.path.join(private, "kernel-env.json")
    with open(env_file, "w") as f:
        json.dump(kernel_env, f)
    result_file = os.path.join(private, "run.json")
    runner_env = {k: v for k, v in os.environ.items()
                  if not k.startswith(("LABKIT_GRADE", "AWS_"))}
    runner_env["JUPYTER_RUNTIME_DIR"] = os.path.join(workdir, ".runtime")
    cmd = [sys.executable, "-m", "labkit.grading.notebook_runner", str(notebook), result_file,
           "--workdir", workdir, "--cell-timeout", str(settings.cell_timeout),
           "--kernel-env", env_file, "--output-limit", str(settings.output_limit),
           "--memory-mb", str(settings.memory_mb),
           "--cpu-s", str(settings.notebook_limit)]
    with open(os.path.join(private, "runner.log"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=runner_env, cwd=private,
                                start_new_session=True)
        pids.add(proc.pid)
        try:
            proc.wait(timeout=settings.notebook_limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait()
            return {"notebook_timed_out": settings.notebook_limit}
    try:
        with open(result_file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"runner_error": f"the notebook runner exited with code {proc.returncode}"}


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except ProcessLookupError:
        pass


def _status(run: dict[str, Any]) -> str:
    """``ok`` only when every cell ran cleanly within time; otherwise the reasons."""
    reasons = []
    if run.get("notebook_timed_out"):
        reasons.append(f"notebook killed after {run['notebook_timed_out']} s")
    if run.get("runner_error"):
        reasons.append(f"could not execute: {run['runner_error']}")
    if run.get("kernel_died_at"):
        reasons.append(f"kernel died in cell {run['kernel_died_at']}")
    for t in run.get("timeouts", []):
        reasons.append(f"cell {t['cell']} timed out")
    errors = run.get("errors", [])
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        reasons.append(f"cell {first['cell']} raised {first['ename']}{more}")
    if run.get("truncated_outputs"):
        reasons.append("outputs over the size limit were dropped")
    return "; ".join(reasons) or "ok"


def with_unjudged_checks(status: str, results: list[CheckResult]) -> str:
    """The row's status, saying which checks lost their points unjudged: inconclusive on every
    try (the machine may have spoiled the scenario: framework.Inconclusive), not failed. The
    instructor regrades that learner (`labkit grade ... --learner NAME`) on a quieter machine."""
    unjudged = sorted({r.check for r in results
                       if not r.passed and r.observed.startswith(INCONCLUSIVE)})
    if not unjudged:
        return status
    reason = (f"inconclusive, not judged: {', '.join(unjudged)} (the machine was too busy; "
              "regrade this learner)")
    return reason if status == "ok" else f"{status}; {reason}"


def _zero_results(lab, why: str) -> list[CheckResult]:
    results = []
    for spec in lab.checks:
        for hidden in (False, True):
            if hidden and not spec.hidden_count:
                continue
            results.append(CheckResult(
                lab=spec.lab, task=spec.task, check=spec.id, title=spec.title, points=0,
                max_points=spec.points, passed=False, hidden=hidden,
                scenarios=0, failed_scenarios=0, hint=spec.hint, observed=why,
                expected="a notebook that runs and writes the handler"))
    return results


def _finish(result: dict[str, Any], checks: list[CheckResult], status: str,
            run: dict[str, Any], started: float) -> dict[str, Any]:
    result.update(
        score=sum(c.points for c in checks), max=sum(c.max_points for c in checks),
        status=status, cells=run, seconds=round(time.time() - started, 1),
        checks=[{k: v for k, v in c.as_dict().items() if k != "evidence"} for c in checks],
        evidence=[{"check": c.check, "task": c.task, "hidden": c.hidden,
                   "scenarios": c.evidence} for c in checks])
    return result
