"""The portable runtime client beside awslambdaric (prints figures; asserts nothing).

    .venv/bin/python -m bench.bench_runtime_clients [N]

For a no-op handler at 1,769 MB (one full vCPU: no CPU-share pauses), with each client:
1. cold start, pre-started interpreter (the default path): end-to-end runtime.invoke after
   force_cold_start, and the REPORT line's Init Duration;
2. cold start, fresh process (``python -m <client> app.handler``, LABKIT_LAMBDA_PRESTART=0);
3. warm invoke: runtime.invoke of a warm environment, 20 x N times.
Median and p95 of each, and the ratio portable / awslambdaric (goal: within 1.2x).
Runs alternate between the clients so that load from elsewhere hits both alike.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

from bench.bench_runtime import pct

MINIMAL = "def handler(event, context):\n    return None\n"
CLIENTS = ("awslambdaric", "portable")


def init_ms(result) -> float:
    line = [x for x in result.log_tail.splitlines() if x.startswith("REPORT")][-1]
    return float(line.split("Init Duration: ")[1].split(" ms")[0])


def use_client(runtime, name: str, prestart: bool) -> None:
    """Point the running runtime at one client (the env var also covers fresh spawns)."""
    from labkit.emulator.runtime.client_choice import choose
    from labkit.emulator.runtime.launcher import Launcher

    os.environ["LABKIT_RUNTIME_CLIENT"] = name
    runtime.client = choose()
    if runtime.launcher is not None:
        runtime.launcher.stop()
    runtime.launcher = Launcher(client=runtime.client) if prestart else None


def cold_starts(runtime, function: str, runs: int, prestart: bool) -> dict:
    found = {c: {"total": [], "init": []} for c in CLIENTS}
    for _ in range(runs):
        for client in CLIENTS:
            use_client(runtime, client, prestart)
            runtime.force_cold_start(function)
            time.sleep(1.0 if prestart else 0.1)  # let the spare interpreter finish booting
            t0 = time.perf_counter()
            result = runtime.invoke(function, b"{}")
            found[client]["total"].append((time.perf_counter() - t0) * 1000)
            assert result.cold and result.function_error is None, result
            found[client]["init"].append(init_ms(result))
    return found


def line(what: str, samples: dict) -> str:
    a, p = samples["awslambdaric"], samples["portable"]
    ratio = statistics.median(p) / statistics.median(a)
    return (f"{what:<44} awslambdaric median {statistics.median(a):7.2f} p95 {pct(a, 95):7.2f} | "
            f"portable median {statistics.median(p):7.2f} p95 {pct(p, 95):7.2f} | "
            f"ratio {ratio:.2f}x (goal <= 1.2x)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15     # N
    os.environ.setdefault("LABKIT_LAMBDA_IDLE_SECONDS", "600")
    os.environ.pop("LABKIT_PORTABLE", None)
    import boto3

    from labkit.deploy import deploy_function
    from labkit.emulator.server import EmbeddedServer

    server = EmbeddedServer(port=0).start()
    runtime = server.component("lambda-runtime")
    lam = boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        for name in ("minimal", "minimal-awslambdaric", "minimal-portable"):
            deploy_function(lam, name, MINIMAL, MemorySize=1769)
        prestarted = cold_starts(runtime, "minimal", runs, prestart=True)
        fresh = cold_starts(runtime, "minimal", runs, prestart=False)
        for client in CLIENTS:   # one warm environment per client, each on its own function
            use_client(runtime, client, prestart=False)
            runtime.invoke(f"minimal-{client}", b"{}")
        warm = {c: [] for c in CLIENTS}
        for _ in range(runs * 20):
            for client in CLIENTS:
                t0 = time.perf_counter()
                result = runtime.invoke(f"minimal-{client}", b"{}")
                warm[client].append((time.perf_counter() - t0) * 1000)
                assert not result.cold and result.function_error is None, result
        print(f"no-op handler, 1769 MB; {runs} cold starts and {runs * 20} warm invokes per client; ms")
        print(line("[cold, pre-started] end to end", {c: prestarted[c]["total"] for c in CLIENTS}))
        print(line("[cold, pre-started] Init Duration", {c: prestarted[c]["init"] for c in CLIENTS}))
        print(line("[cold, fresh process] end to end", {c: fresh[c]["total"] for c in CLIENTS}))
        print(line("[cold, fresh process] Init Duration", {c: fresh[c]["init"] for c in CLIENTS}))
        print(line("[warm] runtime.invoke", warm))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
