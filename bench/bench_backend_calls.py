"""Per-call rates of the embedded backend vs MiniStack, measured side by side in one run.

    make ministack && .venv/bin/python -m bench.bench_backend_calls [--calls 300] [--rounds 3]

Sequential calls from one warm boto3 client per service: SQS SendMessage and ReceiveMessage,
DynamoDB PutItem and Query, Lambda Invoke of a trivial Python handler (warm, and cold: the
first invoke right after CreateFunction). Both backends run as their own processes on
127.0.0.1; rounds alternate between them so a busy machine slows both alike, and each rate
is the best round. Prints calls/s, the ratio embedded/MiniStack (> 1: embedded faster) and
the server process's CPU time per call in that round (steadier than rates on a busy
machine); asserts nothing (timings depend on the machine).

MiniStack (MIT) is pinned in requirements-ministack.txt and installed by `make ministack` into
.ministack/, never into the learner's venv; labkit.ministack runs it with that folder on PYTHONPATH.
"""
from __future__ import annotations

import argparse
import sys
import time
import uuid

import boto3
import psutil
from botocore.config import Config

from labkit.deploy import deploy_function
from labkit.emulator.server import ServerProcess
from labkit.ministack import MiniStackProcess, installed_version

NOOP = "def handler(event, context):\n    return {'ok': True}\n"
QUERY_PARTITION = 10  # items one Query returns


# -- the measured calls ----------------------------------------------------------------

def _client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}))


class Workload:
    """One backend's resources, and one round of each measurement."""

    def __init__(self, url: str, pid: int, calls: int):
        self.calls = calls
        self.server = psutil.Process(pid)
        self.cpu_ms: float | None = None  # server process CPU time per call, last measurement
        self.sqs, self.ddb, self.lam = (_client(url, s) for s in ("sqs", "dynamodb", "lambda"))
        tag = uuid.uuid4().hex[:8]
        self.queue = self.sqs.create_queue(QueueName=f"bench-{tag}")["QueueUrl"]
        # PutItem grows its own table; Query reads QUERY_PARTITION items from a table holding
        # only those (moto's Query scans the whole table: a shared one would slow it each round)
        self.table, self.query_table = f"bench-put-{tag}", f"bench-query-{tag}"
        for table in (self.table, self.query_table):
            self.ddb.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "sk", "AttributeType": "N"}])
            self.ddb.get_waiter("table_exists").wait(TableName=table)
        for sk in range(QUERY_PARTITION):
            self.ddb.put_item(TableName=self.query_table,
                              Item={"pk": {"S": "query"}, "sk": {"N": str(sk)}})
        self.function = deploy_function(self.lam, f"bench-noop-{tag}", NOOP)

    def _rate(self, call, n: int) -> float:
        cpu = sum(self.server.cpu_times()[:2])
        started = time.perf_counter()
        for i in range(n):
            call(i)
        elapsed = time.perf_counter() - started
        self.cpu_ms = (sum(self.server.cpu_times()[:2]) - cpu) / n * 1000
        return n / elapsed

    def send(self) -> float:
        return self._rate(lambda i: self.sqs.send_message(QueueUrl=self.queue, MessageBody=f"m{i}"),
                          self.calls)

    def receive(self) -> float:
        # one message per call from a fresh queue; the 1 h visibility timeout hands each call
        # a different message
        queue = self.sqs.create_queue(QueueName=f"bench-r-{uuid.uuid4().hex[:8]}",
                                      Attributes={"VisibilityTimeout": "3600"})["QueueUrl"]
        for start in range(0, self.calls, 10):
            self.sqs.send_message_batch(QueueUrl=queue, Entries=[
                {"Id": str(j), "MessageBody": f"r{start + j}"} for j in range(10)])

        def receive(_):
            assert self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
        return self._rate(receive, self.calls)

    def put(self) -> float:
        tag = uuid.uuid4().hex
        return self._rate(lambda i: self.ddb.put_item(TableName=self.table, Item={
            "pk": {"S": f"{tag}-{i}"}, "sk": {"N": "0"}, "payload": {"S": "x" * 100}}), self.calls)

    def query(self) -> float:
        def query(_):
            assert self.ddb.query(TableName=self.query_table, KeyConditionExpression="pk = :p",
                                  ExpressionAttributeValues={":p": {"S": "query"}}
                                  )["Count"] == QUERY_PARTITION
        return self._rate(query, self.calls)

    def invoke_warm(self) -> float:
        def invoke(_):
            r = self.lam.invoke(FunctionName=self.function, Payload=b"{}")
            assert "FunctionError" not in r, r["Payload"].read()
            r["Payload"].read()
        invoke(0)  # make sure an environment is warm
        return self._rate(invoke, max(20, self.calls // 3))

    def invoke_cold(self, functions: int = 3) -> float:
        """First invoke of a freshly created function (CreateFunction not timed)."""
        total = 0.0
        for _ in range(functions):
            name = deploy_function(self.lam, f"bench-cold-{uuid.uuid4().hex[:8]}", NOOP)
            started = time.perf_counter()
            r = self.lam.invoke(FunctionName=name, Payload=b"{}")
            r["Payload"].read()
            total += time.perf_counter() - started
            assert "FunctionError" not in r
        self.cpu_ms = None  # mostly spent starting a worker process, outside the server
        return functions / total


MEASURES = [("SendMessage", "send"), ("ReceiveMessage", "receive"), ("PutItem", "put"),
            ("Query", "query"), ("Invoke (warm)", "invoke_warm"), ("Invoke (cold)", "invoke_cold")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if installed_version() is None:
        print("MiniStack is not installed: run `make ministack` (installs "
              "requirements-ministack.txt into .ministack/)")
        return 1

    with ServerProcess() as embedded, MiniStackProcess() as ministack:
        backends = {"embedded": Workload(embedded.url, embedded.proc.pid, args.calls),
                    "ministack": Workload(ministack.url, ministack.pid, args.calls)}
        for w in backends.values():  # warm-up: first calls pay imports and connections
            for _, method in MEASURES[:4]:
                getattr(w, method)()
        best: dict[tuple[str, str], float] = {}
        cpu: dict[tuple[str, str], float | None] = {}
        for _ in range(args.rounds):
            for label, method in MEASURES:
                for name, w in backends.items():
                    rate = getattr(w, method)()
                    if rate > best.get((name, label), 0.0):
                        best[name, label], cpu[name, label] = rate, w.cpu_ms

    print(f"calls/s, sequential, one boto3 client; best of {args.rounds} rounds of "
          f"{args.calls} calls (Invoke warm: {max(20, args.calls // 3)}; cold: 3 new functions)")
    print(f"{'call':<16}{'embedded':>10}{'MiniStack':>11}{'embedded/MiniStack':>20}"
          f"{'server CPU ms/call (embedded, MiniStack)':>44}")
    for label, _ in MEASURES:
        e, m = best["embedded", label], best["ministack", label]
        cpu_e, cpu_m = ("-" if cpu[name, label] is None else f"{cpu[name, label]:.2f}"
                        for name in ("embedded", "ministack"))
        print(f"{label:<16}{e:>10.0f}{m:>11.1f}{e / m:>19.2f}x{cpu_e:>34}{cpu_m:>10}")
    print("goals: SendMessage and PutItem >= 1.00x; Invoke (warm) >= 5x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
