"""Helpers for the SQS event source mapping tests (boto3 only: runs against any backend).

One recording handler serves every test: it appends each batch it receives (records plus
start/end times) to a "ledger" queue, then fails, reports failures or answers as told by
its environment. A message body {"fail_times": n} fails while its receive count <= n.
"""
from __future__ import annotations

import json
import uuid

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

HANDLER = '''
import json, os, time
import boto3

sqs = boto3.client("sqs")

def _fails(record):
    try:
        spec = json.loads(record["body"])
    except ValueError:
        return False
    limit = spec.get("fail_times", 0) if isinstance(spec, dict) else 0
    return int(record["attributes"]["ApproximateReceiveCount"]) <= limit

def handler(event, context):
    started = time.time()
    time.sleep(float(os.environ.get("SLEEP", "0")))
    records = event["Records"]
    sqs.send_message(QueueUrl=os.environ["LEDGER_URL"], MessageBody=json.dumps(
        {"records": records, "start": started, "end": time.time()}))
    failed = [r for r in records if _fails(r)]
    mode = os.environ.get("MODE", "raise")
    if mode == "raise" and failed:
        raise RuntimeError("batch failed")
    if mode == "report":
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}
    if mode == "respond":
        return json.loads(os.environ["RESPONSE"])
    return None
'''


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Harness:
    """A queue, a ledger queue and the recording function, created per test."""

    def __init__(self, aws, fifo: bool = False, visibility: int = 2, redrive_max: int | None = None,
                 **env: str):
        self.sqs, self.lam = aws("sqs"), aws("lambda")
        suffix = ".fifo" if fifo else ""
        attributes = {"VisibilityTimeout": str(visibility)}
        if fifo:
            attributes.update(FifoQueue="true", ContentBasedDeduplication="true")
        if redrive_max is not None:
            self.dlq_url = self.sqs.create_queue(QueueName=unique("dlq") + suffix, Attributes=(
                {"FifoQueue": "true"} if fifo else {}))["QueueUrl"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": self.arn(self.dlq_url), "maxReceiveCount": redrive_max})
        self.url = self.sqs.create_queue(QueueName=unique("src") + suffix,
                                         Attributes=attributes)["QueueUrl"]
        self.ledger_url = self.sqs.create_queue(QueueName=unique("ledger"))["QueueUrl"]
        self.function = unique("esm-fn")
        # AWS refuses a mapping whose queue visibility timeout is below the function timeout
        deploy_function(self.lam, self.function, HANDLER, Timeout=min(30, visibility), Environment={
            "Variables": {"LEDGER_URL": self.ledger_url, **env}})
        self.batches: list[dict] = []
        self.mapping: str | None = None

    def arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def map(self, **settings) -> str:
        settings.setdefault("BatchSize", 10)
        self.mapping = self.lam.create_event_source_mapping(
            EventSourceArn=self.arn(self.url), FunctionName=self.function, **settings)["UUID"]
        return self.mapping

    def send(self, *bodies, **kwargs) -> list[str]:
        ids = []
        for body in bodies:
            text = body if isinstance(body, str) else json.dumps(body)
            ids.append(self.sqs.send_message(QueueUrl=self.url, MessageBody=text,
                                             **kwargs)["MessageId"])
        return ids

    def read_ledger(self) -> list[dict]:
        while True:
            got = self.sqs.receive_message(QueueUrl=self.ledger_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return self.batches
            for m in got:
                self.batches.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.ledger_url, ReceiptHandle=m["ReceiptHandle"])

    def deliveries(self) -> list[dict]:
        """Every record the function received, in ledger order."""
        return [r for b in self.read_ledger() for r in b["records"]]

    def wait_for_deliveries(self, n: int, timeout: float = 90.0) -> list[dict]:
        return wait_until(lambda: len(self.deliveries()) >= n and self.deliveries(), timeout,
                          what=f"{n} deliveries")

    def queue_counts(self, url: str | None = None) -> tuple[int, int]:
        attrs = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def wait_drained(self, timeout: float = 90.0) -> None:
        wait_until(lambda: self.queue_counts() == (0, 0), timeout, what="the queue to drain")

    def close(self) -> None:
        if self.mapping:
            try:
                self.lam.delete_event_source_mapping(UUID=self.mapping)
            except self.lam.exceptions.ResourceNotFoundException:
                pass
