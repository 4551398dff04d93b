"""DynamoDB counters under concurrency: 8 threads x ADD, correctness and rate, in one run.

Runs each scenario against a fresh embedded backend (its own process): the default one,
and one whose threads switch as often as a busy lab server's (tiny switch interval), with
and without the dynamodb_atomic_writes patch. Prints counts and rates; asserts nothing
about time. Exit code 1 if the patched backend ever loses an update.

    .venv/bin/python -m bench.bench_dynamodb [--rounds 3] [--per-thread 125]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3

from labkit.emulator.server import ServerProcess

THREADS = 8


def _client(url):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def _backend_env(busy: bool, patched: bool, site_dir: str) -> dict:
    env = dict(os.environ)
    if busy:
        env["PYTHONPATH"] = os.pathsep.join([site_dir, *sys.path])
    if not patched:
        env["LABKIT_DISABLE_PATCHES"] = ",".join(
            p for p in [env.get("LABKIT_DISABLE_PATCHES", ""), "dynamodb_atomic_writes"] if p)
    return env


def run_scenario(busy: bool, patched: bool, rounds: int, per_thread: int, site_dir: str):
    with ServerProcess(env=_backend_env(busy, patched, site_dir)) as server:
        admin = _client(server.url)
        admin.create_table(TableName="counters", BillingMode="PAY_PER_REQUEST",
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        clients = [_client(server.url) for _ in range(THREADS)]
        results = []
        for _ in range(rounds):
            key = {"pk": {"S": uuid.uuid4().hex}}
            barrier = threading.Barrier(THREADS)

            def work(client):
                barrier.wait()
                for _ in range(per_thread):
                    client.update_item(TableName="counters", Key=key, UpdateExpression="ADD n :one",
                                       ExpressionAttributeValues={":one": {"N": "1"}})

            started = time.perf_counter()
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(work, clients))
            elapsed = time.perf_counter() - started
            final = int(admin.get_item(TableName="counters", Key=key, ConsistentRead=True)["Item"]["n"]["N"])
            results.append((final, elapsed))
        return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-thread", type=int, default=125)
    args = parser.parse_args()
    expected = THREADS * args.per_thread
    site_dir = tempfile.mkdtemp(prefix="labkit-busy-site-")
    with open(os.path.join(site_dir, "sitecustomize.py"), "w") as f:
        f.write("import sys\nsys.setswitchinterval(1e-5)\n")

    print(f"DynamoDB ADD from {THREADS} threads x {args.per_thread} = {expected} per round, "
          f"{args.rounds} rounds per scenario")
    print(f"{'scenario':<34} {'exact rounds':>12} {'lost updates':>13} {'updates/s':>10}")
    patched_lost = 0
    rates = {}
    for busy in (False, True):
        for patched in (True, False):
            label = f"{'busy' if busy else 'default'} server, {'patched' if patched else 'moto as is'}"
            results = run_scenario(busy, patched, args.rounds, args.per_thread, site_dir)
            exact = sum(1 for final, _ in results if final == expected)
            lost = sum(expected - final for final, _ in results)
            rate = sum(expected for _ in results) / sum(e for _, e in results)
            rates[(busy, patched)] = rate
            if patched:
                patched_lost += lost
            print(f"{label:<34} {exact:>5}/{len(results):<6} {lost:>13} {rate:>10.0f}", flush=True)
    print(f"rate ratio patched/unpatched (default server; the lock costs ~nothing): "
          f"{rates[(False, True)] / rates[(False, False)]:.2f}")
    print("8-thread ADD exact every time with the patch" if patched_lost == 0
          else f"PATCHED BACKEND LOST {patched_lost} UPDATES")
    return 0 if patched_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
