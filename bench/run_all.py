"""`make bench`: run every benchmark module in bench/ in turn, each in its own process.

Benchmarks print what they measured (ratios, percentiles) in one run; none asserts a timing.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = f"bench.{path.stem}"
        print(f"\n=== {module}", flush=True)
        started = time.monotonic()
        rc = subprocess.run([sys.executable, "-m", module], cwd=HERE.parent).returncode
        print(f"=== {module}: exit {rc}, {time.monotonic() - started:.1f}s", flush=True)
        if rc:
            failed.append(module)
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
