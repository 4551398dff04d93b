"""EventBridge rules deliver to Lambda, SQS, SNS and Step Functions, with Input/InputPath/InputTransformer.

moto's Rule.send_to_targets raises NotImplementedError (HTTP 500 from PutEvents) for Lambda,
SNS and Step Functions targets, its InputTransformer crashes on quoted variables, and the
event it delivers lacks "account" and has a non-AWS "time". Here the targets above get the
AWS-shaped event (or its transformed input), delivered asynchronously by a component, as
AWS does: PutEvents returns before the targets run. Other targets (log groups, archives,
other buses) stay with moto.
"""
from __future__ import annotations

import copy
import sys
import threading
import time
import uuid

from labkit.emulator.background_jobs import BackgroundJobs
from labkit.emulator.events_input import aws_event, target_input

NAME = "events_targets"
AWS_BEHAVIOUR = (
    "EventBridge rules send matching events to targets including Lambda functions, SQS "
    "queues, SNS topics and Step Functions state machines; Lambda is invoked asynchronously. "
    "Input, InputPath and InputTransformer (InputPathsMap + InputTemplate, predefined "
    "<aws.events.rule-name>, <aws.events.event.json>, ...) customise what the target receives "
    "(EventBridge User Guide, 'Event bus targets' and 'Amazon EventBridge input transformation'; "
    "API Reference, PutTargets / Target)."
)

OUR_SERVICES = {"lambda", "sqs", "sns", "states"}
ATTEMPTS = 3          # AWS retries for up to 24 h; a lab needs to see failures quickly
RETRY_PAUSE_S = 1.0


class EventDelivery(BackgroundJobs):
    """Delivers (target, input, event id) in the background through the server's own API."""

    name = "events-delivery"

    def __init__(self, ctx, workers: int = 2):
        super().__init__(workers)
        self.ctx = ctx
        self._local = threading.local()
        self.delivered = 0
        self.failed = 0

    def reset(self) -> None:
        self.drop_pending()
        self.delivered = self.failed = 0

    def health(self) -> dict:
        return {"pending": self.pending, "delivered": self.delivered, "failed": self.failed}

    def do(self, target: dict, text: str, event_id: str) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._deliver(target, text, event_id)
                self.delivered += 1
                return
            except Exception as exc:
                if attempt == ATTEMPTS:
                    self.failed += 1
                    self._dead_letter(target, text, exc)
                else:
                    time.sleep(RETRY_PAUSE_S * attempt)

    def _client(self, service: str):
        clients = self._local.__dict__.setdefault("clients", {})
        if service not in clients:
            import boto3

            clients[service] = boto3.client(
                service, endpoint_url=self.ctx.url, region_name="us-east-1",
                aws_access_key_id="test", aws_secret_access_key="test")
        return clients[service]

    def _deliver(self, target: dict, text: str, event_id: str) -> None:
        arn = target["Arn"]
        parts = arn.split(":")
        service, account, resource = parts[2], parts[4], ":".join(parts[5:])
        if service == "lambda":
            runtime = self.ctx.find_component("lambda-runtime")
            if runtime is not None:
                runtime.invoke(arn, text.encode(), invocation_type="Event")
            else:
                self._client("lambda").invoke(FunctionName=arn, InvocationType="Event",
                                              Payload=text.encode())
        elif service == "sqs":
            url = f"{self.ctx.url}/{account}/{resource}"
            kwargs = {"QueueUrl": url, "MessageBody": text}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if resource.endswith(".fifo"):
                kwargs["MessageGroupId"] = group or event_id
                kwargs["MessageDeduplicationId"] = event_id
            self._client("sqs").send_message(**kwargs)
        elif service == "sns":
            self._client("sns").publish(TopicArn=arn, Message=text)
        elif service == "states":
            self._client("stepfunctions").start_execution(
                stateMachineArn=arn, name=str(uuid.uuid4()), input=text)

    def _dead_letter(self, target: dict, text: str, exc: Exception) -> None:
        """AWS sends an event that exhausted its retries to the target's DLQ, if it has one."""
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        print(f"labkit: EventBridge delivery to {target['Arn']} failed: {exc!r}", file=sys.stderr)
        if not dlq:
            return
        parts = dlq.split(":")
        try:
            self._client("sqs").send_message(QueueUrl=f"{self.ctx.url}/{parts[4]}/{parts[5]}",
                                             MessageBody=text)
        except Exception as dlq_exc:
            print(f"labkit: EventBridge dead-letter to {dlq} failed: {dlq_exc!r}", file=sys.stderr)


def apply(ctx) -> None:
    from moto.events.models import Rule

    delivery = ctx.add_component(EventDelivery(ctx))
    original = Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input: bool = True) -> None:
        if not str(self.state).startswith("ENABLED"):
            return  # AWS: a disabled rule does not deliver
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in OUR_SERVICES]
        others = [t for t in self.targets if t not in ours]
        if others:
            rest = copy.copy(self)
            rest.targets = others
            original(rest, original_event, transform_input)
        if not ours:
            return
        event = aws_event(original_event)
        ingestion = original_event.get("ingestion-time", time.time())
        for target in ours:
            text = target_input(target, event, self.name, self.arn, ingestion)
            delivery.submit(target, text, event["id"])

    Rule.send_to_targets = send_to_targets
