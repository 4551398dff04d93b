"""`make test`: run every suite, print per-suite timings and one summary line.

Each suite is a folder under tests/ run by its own pytest process (so one suite's crash
cannot hide another's results). A skipped test counts as a failure here: a test that
cannot run because something is missing must be fixed by installing it, not skipped.

Suites run in four lanes at once. Much of a notebook's or a check's time is deliberate
waiting (visibility timeouts, alarm periods, polling), so overlapping the lanes shortens the
wall time on a 2-core machine; the MiniStack suites yield the CPU (nice 19). The
summary gives each suite's wall time and the CPU time of the processes it waited for. Each suite
writes its pytest output to test-output/<suite>.log, printed when the suite ends (in full if it
failed).

Environment: SUITES=unit,grading runs only those; LANES=1 runs everything one after another.
`--quick` (make test-quick): unit, conformance and the notebooks the working tree changes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"

HEADLESS_TEST = "tests/notebooks/test_execute_notebooks.py::test_notebook_runs_headless"
# Lanes of (suite folder, extra pytest args), each lane in order: fast feedback first.
# The grading suite goes by file (--dist loadfile): its module fixtures (a whole class graded,
# lab 09's side-by-side runs) are the expensive part, and xdist would build one per worker.
# Conformance files that test the embedded backend's own machinery (its HTTP fast path, its
# caches, its deferred patches), not an AWS behaviour: not run against MiniStack.
EMBEDDED_INTERNALS = [f"--ignore=tests/conformance/{name}.py" for name in
                      ("test_moto_fast_path", "test_dispatch_caches", "test_deferred_patches")]

LANES: list[list[tuple[str, list[str]]]] = [
    # grading is the longest suite and CPU-bound (~1,600 CPU-s of a run's ~2,800 on 2 cores).
    # Starting it at once, alone in its lane, did not shorten the run (22b: 1,729 s against
    # 1,745 s in 22a) and loaded the first minutes so much that the hub suite failed twice (22b,
    # 22c: a check's handler over its 10 s timeout, a dying worker's request refused)
    [("unit", ["-n", "2"]), ("grading", ["-n", "3", "--dist", "loadfile"])],
    # `make lab` for real (tests/lab) here; of the headless notebook harness (what
    # `make test-quick` runs a changed notebook with) only its self-test: each lesson runs once,
    # in JupyterLab (the browser suite), every other one on the portable path
    [("runtime-portable", ["-n", "2"]), ("lab", []),
     ("notebooks", [f"TARGET:{HEADLESS_TEST}[tests/notebooks/fixtures/harness_selftest.ipynb]"]),
     ("browser", ["-n", "2"]), ("runtime", ["-n", "2"])],
    # a real JupyterHub with a class of five (its proxy comes from .hub-tools, see Makefile); one
    # process: the class is set up once and its tests run in order. Then MiniStack (issue 18):
    # every lesson and solution on it, and the conformance suite as a report. Mostly waiting
    # (MiniStack's timers, its slower Lambda: little CPU), so these run at low CPU
    # priority (LOW_PRIORITY), using the time the other lanes spend waiting. Notebooks two at a
    # time: at three, lesson 04 failed on MiniStack in 3 runs of 3 (its slower Lambda let the
    # clean run's visibility timeouts expire), which said more about our load than about MiniStack.
    [("hub", []), ("ministack", ["-n", "2"])],
    # the conformance suite, mostly waiting (alarm periods, retries: ~60 CPU-s in ~210 s), from
    # the start beside the others; then the same suite on MiniStack, as a report: almost all
    # waiting too (its failing tests wait out their deadlines), at the lowest CPU priority
    [("conformance", ["-n", "2"]), ("conformance-ministack", ["-n", "8", *EMBEDDED_INTERNALS])],
]

# Suites that run a folder with extra environment: the macOS/Windows paths (LABKIT_PORTABLE=1:
# psutil instead of /proc, no prctl, no fork, the portable runtime client instead of
# awslambdaric), which these Linux machines cannot otherwise take. The runtime suite runs on
# both paths; the lessons alternate between them in the browser suite, the labs (graded end to
# end) in the grading suite.
PORTABLE = {"LABKIT_PORTABLE": "1"}
SUITE_VARIANTS = {"runtime-portable": ("runtime", PORTABLE),
                  "conformance-ministack": ("conformance", {"LABKIT_TEST_BACKEND": "ministack"})}
# Suites whose failures are a result to report, not a failure of make test: they measure
# MiniStack (tests/backend_matrix.py makes the table), which this repository does not control.
REPORT_ONLY = {"ministack", "conformance-ministack"}
LOW_PRIORITY = {"ministack", "conformance-ministack"}   # nice 19 (the lowest): they yield the CPU

# Suites whose tools live outside the learner's venv (see Makefile: BROWSER_TOOLS).
SUITE_PYTHONPATH = {"browser": ROOT / ".browser-tools"}
_print_lock = threading.Lock()


def run_suite(name: str, extra: list[str]) -> dict:
    """Run one suite: its folder, or the test ids given in ``extra`` as ``TARGET:`` items."""
    folder_name, extra_env = SUITE_VARIANTS.get(name, (name, {}))
    targets = [a.removeprefix("TARGET:") for a in extra if a.startswith("TARGET:")]
    extra = [a for a in extra if not a.startswith("TARGET:")]
    folder = ROOT / "tests" / folder_name
    env = dict(os.environ, **extra_env)
    if name in SUITE_PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUITE_PYTHONPATH[name]), env.get("PYTHONPATH")]))
    junit = OUT / f"{name}.xml"
    log = OUT / f"{name}.log"
    junit.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", *(targets or [str(folder)]), "-q", "-p",
           "no:cacheprovider", f"--junitxml={junit}", *extra]
    with _print_lock:
        print(f"=== suite {name} started: {' '.join(cmd[3:])}", flush=True)
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=(lambda: os.nice(19)) if name in LOW_PRIORITY else None)
        # wait4: the CPU time of the suite's process tree (every process it waited for), which
        # says where a busy machine's time goes better than the wall time of overlapping lanes
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if junit.exists():
        root = ET.parse(junit).getroot()
        for ts in root.iter("testsuite"):
            for key in counts:
                counts[key] += int(ts.get(key, 0))
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    failed = counts["failures"] + counts["errors"]
    # pytest exit 5 = no tests collected: an empty suite is a defect, not a pass
    if proc.returncode not in (0, 1) or counts["tests"] == 0:
        failed = max(failed, 1)
    result = {"name": name, "seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
              "passed": passed, "failed": failed, "skipped": counts["skipped"],
              "rc": proc.returncode}
    if name in REPORT_ONLY and counts["tests"]:
        result.update(failed=0, reported=failed)   # measured, not a failure of make test
    _show(result, log)
    return result


def _show(result: dict, log: Path) -> None:
    text = log.read_text(errors="replace")
    ok = result["failed"] == 0 and result["skipped"] == 0
    shown = text if not ok else "\n".join(text.splitlines()[-3:])
    if "reported" in result:
        shown += f"\n(report only: {result['reported']} test(s) fail on this backend; see the matrix below)"
    with _print_lock:
        print(f"\n=== suite {result['name']} ended in {result['seconds']:.0f}s "
              f"({'ok' if ok else 'FAILED'}; full log: {log.relative_to(ROOT)})\n{shown}", flush=True)


def changed_notebooks() -> list[str]:
    """Lesson and solution notebooks the working tree changes (against HEAD, untracked too);
    a changed lab means its solution, the notebook that runs its code."""
    def git(*args: str) -> list[str]:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.split("\n") if out.returncode == 0 else []

    paths = git("diff", "--name-only", "HEAD") + git("ls-files", "--others", "--exclude-standard")
    found = set()
    for path in paths:
        folder, _, name = path.partition("/")
        if name.endswith(".ipynb") and "/" not in name and folder in ("notebooks", "labs", "solutions"):
            found.add(f"{'notebooks' if folder == 'notebooks' else 'solutions'}/{name}")
    return sorted(p for p in found if (ROOT / p).is_file())


def quick_lanes() -> list[list[tuple[str, list[str]]]]:
    """`make test-quick`, the inner loop: unit and conformance, and the notebooks the working
    tree changes. `make test` stays the whole thing, and is what CI runs."""
    lane = [("unit", ["-n", "2"]), ("conformance", ["-n", "2"])]
    notebooks = changed_notebooks()
    if notebooks:
        lane.append(("notebooks", ["-n", "2", *(f"TARGET:{HEADLESS_TEST}[{nb}]" for nb in notebooks)]))
    print(f"make test-quick: changed notebooks: {', '.join(notebooks) or 'none'}", flush=True)
    return [lane]


def main() -> int:
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    only = [s for s in os.environ.get("SUITES", "").split(",") if s]
    lanes = [[(n, a) for n, a in lane
              if (ROOT / "tests" / SUITE_VARIANTS.get(n, (n,))[0]).is_dir() and (not only or n in only)]
             for lane in (quick_lanes() if "--quick" in sys.argv[1:] else LANES)]
    if os.environ.get("LANES") == "1":
        lanes = [[suite for lane in lanes for suite in lane]]
    results: list[dict] = []

    def run_lane(lane):
        for name, extra in lane:
            results.append(run_suite(name, extra))

    started = time.monotonic()
    threads = [threading.Thread(target=run_lane, args=(lane,)) for lane in lanes if lane]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.monotonic() - started

    print("\n=== make test: per-suite results")
    print(f"{'suite':<22} {'seconds':>8} {'cpu s':>8} {'passed':>7} {'failed':>7} {'skipped':>8}")
    for r in results:
        print(f"{r['name']:<22} {r['seconds']:>8.1f} {r['cpu_seconds']:>8.1f} {r['passed']:>7} "
              f"{r['failed']:>7} {r['skipped']:>8}")
    passed = sum(r["passed"] for r in results)
    failed = sum(r["failed"] for r in results)
    skipped = sum(r["skipped"] for r in results)
    print(f"wall time {total:.1f}s, CPU time {sum(r['cpu_seconds'] for r in results):.0f}s")
    if any(r["name"] in LOW_PRIORITY for r in results):
        from tests.backend_matrix import report
        print(report())
    if skipped:
        print(f"{skipped} test(s) skipped: a skip is a failure in this kit (install what is missing).")
    print(f"{passed} passed, {failed + skipped} failed")
    return 0 if failed == 0 and skipped == 0 and results else 1


if __name__ == "__main__":
    sys.exit(main())
