"""`make test`: run every suite, print per-suite timings and one summary line.

Each suite is a folder under tests/ run by its own pytest process (so one suite's crash
cannot hide another's results). A skipped test counts as a failure here: a test that
cannot run because something is missing must be fixed by installing it, not skipped.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"

# (suite folder, extra pytest args). Order: fast feedback first.
SUITES: list[tuple[str, list[str]]] = [
    ("unit", ["-n", "2"]),
    ("conformance", ["-n", "2"]),
    ("runtime", ["-n", "2"]),
    ("grading", ["-n", "2"]),
    ("notebooks", ["-n", "2"]),
    ("lab", []),
    ("browser", []),
]


# Suites whose tools live outside the learner's venv (see Makefile: BROWSER_TOOLS).
SUITE_PYTHONPATH = {"browser": ROOT / ".browser-tools"}


def run_suite(name: str, extra: list[str]) -> dict:
    folder = ROOT / "tests" / name
    env = dict(os.environ)
    if name in SUITE_PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUITE_PYTHONPATH[name]), env.get("PYTHONPATH")]))
    junit = OUT / f"{name}.xml"
    cmd = [sys.executable, "-m", "pytest", str(folder), "-q", f"--junitxml={junit}", *extra]
    print(f"\n=== suite {name}: {' '.join(cmd[3:])}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
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
    if proc.returncode not in (0, 1) or (counts["tests"] == 0):
        failed = max(failed, 1)
    return {"name": name, "seconds": elapsed, "passed": passed, "failed": failed,
            "skipped": counts["skipped"], "rc": proc.returncode}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    suites = [(n, a) for n, a in SUITES if (ROOT / "tests" / n).is_dir()]
    only = os.environ.get("SUITES")
    if only:
        suites = [(n, a) for n, a in suites if n in only.split(",")]
    started = time.monotonic()
    results = [run_suite(n, a) for n, a in suites]
    total = time.monotonic() - started
    print("\n=== make test: per-suite results")
    print(f"{'suite':<12} {'seconds':>8} {'passed':>7} {'failed':>7} {'skipped':>8}")
    for r in results:
        print(f"{r['name']:<12} {r['seconds']:>8.1f} {r['passed']:>7} {r['failed']:>7} {r['skipped']:>8}")
    passed = sum(r["passed"] for r in results)
    failed = sum(r["failed"] for r in results)
    skipped = sum(r["skipped"] for r in results)
    print(f"total time {total:.1f}s")
    if skipped:
        print(f"{skipped} test(s) skipped: a skip is a failure in this kit (install what is missing).")
    print(f"{passed} passed, {failed + skipped} failed")
    return 0 if failed == 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
