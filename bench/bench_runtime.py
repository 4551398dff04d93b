"""Lambda runtime benchmarks (prints ratios and percentiles; asserts nothing).

    .venv/bin/python -m bench.bench_runtime

1. cold start of a minimal handler (in-process runtime.invoke after force_cold_start, end
   to end) vs a bare `python -c "import app"` process in the same code directory;
2. warm invoke overhead of a no-op handler, p50/p95: runtime.invoke in-process (what the
   runtime adds) and boto3 Invoke over HTTP (what a notebook sees);
3. cold start (Init Duration) of a handler importing pandas vs not.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

MINIMAL = "def handler(event, context):\n    return None\n"
PANDAS = "import pandas\ndef handler(event, context):\n    return None\n"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def bare_import_ms(source: str, runs: int) -> float:
    code_dir = tempfile.mkdtemp(prefix="bench-bare-")
    with open(os.path.join(code_dir, "app.py"), "w") as f:
        f.write(source)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import app"], cwd=code_dir, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cold_starts(runtime, name: str, runs: int) -> tuple[float, float]:
    """-> (median end-to-end cold invoke ms, median Init Duration ms)."""
    totals, inits = [], []
    for _ in range(runs):
        runtime.force_cold_start(name)
        time.sleep(1.0)  # let the next pre-started interpreter finish booting
        t0 = time.perf_counter()
        result = runtime.invoke(name, b"{}")
        totals.append((time.perf_counter() - t0) * 1000)
        assert result.cold and result.function_error is None, result
        line = [x for x in result.log_tail.splitlines() if x.startswith("REPORT")][-1]
        inits.append(float(line.split("Init Duration: ")[1].split(" ms")[0]))
    return statistics.median(totals), statistics.median(inits)


def main() -> None:
    os.environ.setdefault("LABKIT_LAMBDA_IDLE_SECONDS", "600")
    from labkit.deploy import deploy_function
    from labkit.emulator.server import EmbeddedServer
    import boto3

    server = EmbeddedServer(port=0).start()
    runtime = server.component("lambda-runtime")
    lam = boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        deploy_function(lam, "minimal", MINIMAL, MemorySize=1769)
        deploy_function(lam, "minimal-128", MINIMAL, MemorySize=128)
        deploy_function(lam, "with-pandas", PANDAS, MemorySize=1769, Timeout=60)
        runs = 7
        bare = bare_import_ms(MINIMAL, runs)
        cold, init = cold_starts(runtime, "minimal", runs)
        launcher, runtime.launcher = runtime.launcher, None
        cold_fresh, init_fresh = cold_starts(runtime, "minimal", runs)
        runtime.launcher = launcher
        print(f"[cold start] bare `python -c 'import app'`: {bare:.1f} ms (median of {runs})")
        print(f"[cold start] minimal handler, pre-started interpreter: {cold:.1f} ms end to end "
              f"(Init Duration {init:.1f} ms) -> ratio {cold / bare:.2f}x (goal <= 1.3x)")
        print(f"[cold start] minimal handler, fresh `python -m awslambdaric`: {cold_fresh:.1f} ms "
              f"(Init Duration {init_fresh:.1f} ms) -> ratio {cold_fresh / bare:.2f}x")

        for name in ("minimal", "minimal-128"):
            runtime.invoke(name, b"{}")
            samples = []
            for _ in range(300):
                t0 = time.perf_counter()
                runtime.invoke(name, b"{}")
                samples.append((time.perf_counter() - t0) * 1000)
            print(f"[warm] no-op handler {name} via runtime.invoke: p50 {pct(samples, 50):.2f} ms, "
                  f"p95 {pct(samples, 95):.2f} ms (goal p50 <= 2 ms)")
        samples = []
        for _ in range(200):
            t0 = time.perf_counter()
            lam.invoke(FunctionName="minimal", Payload=b"{}")["Payload"].read()
            samples.append((time.perf_counter() - t0) * 1000)
        print(f"[warm] no-op handler via boto3 Invoke over HTTP: p50 {pct(samples, 50):.2f} ms, "
              f"p95 {pct(samples, 95):.2f} ms (includes boto3 + moto request handling)")

        _, init_plain = cold_starts(runtime, "minimal", 3)
        _, init_pandas = cold_starts(runtime, "with-pandas", 3)
        print(f"[init] Init Duration: minimal {init_plain:.1f} ms, importing pandas "
              f"{init_pandas:.1f} ms -> {init_pandas / init_plain:.1f}x")
        print(f"[config] cpu_share={runtime.health()['cpu_share']} "
              f"(1769 MB = one full vCPU: not throttled; 128 MB row shows the emulated share)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
