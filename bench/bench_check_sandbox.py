"""The checks' sandbox: is the forking zygote worth its cost? (prints ratios; asserts nothing)

    .venv/bin/python -m bench.bench_check_sandbox [--cold 20] [--warm 200]

Both starters implement one invocation model (labkit.lambda_outcomes); they differ in how an
execution environment starts. The zygote (Linux) forks a process that has imported boto3 and
labkit once; the Spawner (macOS, Windows, LABKIT_PORTABLE=1) starts a new Python each time.
Measured in one run, on the same handler (it imports boto3, as most learner handlers do):

1. a cold start: a new function's first invocation, end to end (environment started, module
   imported, event answered), median ms per starter, and the ratio;
2. a warm invocation, p50 and p95 ms per starter (the same protocol, so about equal).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from bench.bench_runtime import pct
from labkit.checks.sandbox import Function, Zygote
from labkit.checks.spawner import Spawner

HANDLER = "import boto3\n\ndef handler(event, context):\n    return {'echo': event}\n"


def cold_ms(starter, path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        fn = Function(path, zygote=starter)
        try:
            t0 = time.perf_counter()
            assert fn.invoke({"n": 1}).ok
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            fn.close()
    return times


def warm_ms(starter, path: str, runs: int) -> list[float]:
    with Function(path, zygote=starter) as fn:
        fn.invoke({})
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            assert fn.invoke({"n": i}).ok
            times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        path = os.path.join(folder, "app.py")
        with open(path, "w") as f:
            f.write(HANDLER)
        os.chmod(folder, 0o755)
        results = {}
        for name, make in (("zygote", Zygote), ("spawner", Spawner)):
            with make() as starter:
                results[name] = (cold_ms(starter, path, args.cold), warm_ms(starter, path, args.warm))
    print(f"{'starter':10} {'cold median ms':>15} {'warm p50 ms':>12} {'warm p95 ms':>12}")
    for name, (cold, warm) in results.items():
        print(f"{name:10} {statistics.median(cold):15.1f} {pct(warm, 50):12.2f} {pct(warm, 95):12.2f}")
    zygote_cold = statistics.median(results["zygote"][0])
    spawner_cold = statistics.median(results["spawner"][0])
    print(f"cold start, spawner / zygote: {spawner_cold / zygote_cold:.1f}x "
          f"({spawner_cold - zygote_cold:.0f} ms more per cold start without fork)")


if __name__ == "__main__":
    main()
