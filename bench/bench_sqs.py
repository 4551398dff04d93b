"""SQS benchmarks, printed in one run (issue 4): `python -m bench.bench_sqs`.

1. SQS -> Lambda drain rate of a 1,000 and a 10,000 message backlog (batch size 10, no-op
   handler) and their per-message cost ratio (goal <= 1.5; goal >= 500 messages/s).
2. Send and receive(+delete) cost at depth 0 vs depth 10,000.
Prints ratios and rates; asserts nothing (timings depend on the machine).
"""
from __future__ import annotations

import time
import uuid

import boto3

from labkit.deploy import deploy_function
from labkit.emulator.server import ServerProcess

NOOP = "def handler(event, context):\n    return None\n"


def client(url, service):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def fill(sqs, url, n):
    for start in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(min(10, n - start))])


def depth(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def drain_rate(sqs, lam, function, n) -> float:
    url = sqs.create_queue(QueueName=f"drain-{n}-{uuid.uuid4().hex[:6]}",
                           Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    fill(sqs, url, n)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    started = time.perf_counter()
    uuid_ = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function,
                                            BatchSize=10)["UUID"]
    while depth(sqs, url):
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    lam.delete_event_source_mapping(UUID=uuid_)
    return n / elapsed


def call_costs(sqs, n_depth, calls=100) -> tuple[float, float]:
    url = sqs.create_queue(QueueName=f"cost-{n_depth}-{uuid.uuid4().hex[:6]}",
                           Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
    fill(sqs, url, n_depth)
    started = time.perf_counter()
    for i in range(calls):
        sqs.send_message(QueueUrl=url, MessageBody=f"x{i}")
    send_ms = (time.perf_counter() - started) / calls * 1000
    started = time.perf_counter()
    for _ in range(calls // 10):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    receive_ms = (time.perf_counter() - started) / (calls // 10) * 1000
    return send_ms, receive_ms


def main() -> None:
    with ServerProcess() as server:
        sqs, lam = client(server.url, "sqs"), client(server.url, "lambda")
        function = deploy_function(lam, "bench-noop", NOOP)
        drain_rate(sqs, lam, function, 100)  # warm up environments
        small = drain_rate(sqs, lam, function, 1_000)
        large = drain_rate(sqs, lam, function, 10_000)
        print(f"drain 1,000 backlog:  {small:7.0f} messages/s")
        print(f"drain 10,000 backlog: {large:7.0f} messages/s")
        print(f"per-message cost ratio 10k/1k: {small / large:.2f}  (goal <= 1.5)")
        call_costs(sqs, 0)  # warm-up: the first calls after the drains pay for idle pollers
        send0, recv0 = call_costs(sqs, 0)
        send10k, recv10k = call_costs(sqs, 10_000)
        print(f"send: {send0:.2f} ms at depth 0, {send10k:.2f} ms at depth 10,000 "
              f"(ratio {send10k / send0:.2f})")
        print(f"receive 10 + delete 10: {recv0:.2f} ms at depth 0, {recv10k:.2f} ms at depth "
              f"10,000 (ratio {recv10k / recv0:.2f})")


if __name__ == "__main__":
    main()
