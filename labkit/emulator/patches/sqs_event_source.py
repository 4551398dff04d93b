"""SQS event source mappings are run by our pollers, not inside SendMessage.

moto invokes the function synchronously inside send_message (Queue.add_message), one
record per call, deletes on success and never retries in the background. Here the mapping
is detached from the queue as soon as moto creates it, and the "sqs-event-source"
component (labkit/emulator/pollers/sqs_event_source.py) polls the queue like AWS's pollers.
The patch also validates mapping settings the way the Lambda API does, serializes moto's
SQS backend (pollers and HTTP threads run concurrently), and gives each queue an arrival
signal so idle pollers wake on a new message.
"""
from __future__ import annotations

import functools
from typing import Any

NAME = "sqs_event_source"
AWS_BEHAVIOUR = (
    "Lambda polls the queue and invokes your function synchronously with an event that "
    "contains queue messages; BatchSize up to 10,000 (standard), MaximumBatchingWindowIn"
    "Seconds, ReportBatchItemFailures (only listed items return to the queue), failed "
    "messages reappear after the visibility timeout, ScalingConfig.MaximumConcurrency "
    "2..1000 caps concurrent invocations (AWS Lambda Developer Guide, 'Using Lambda with "
    "Amazon SQS')."
)


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import Queue

    from labkit.emulator.pollers import sqs_lock
    from labkit.emulator.pollers.sqs_event_source import SqsEventSource

    sqs_lock.install()
    poller = ctx.add_component(SqsEventSource(lambda: ctx.component("lambda-runtime")))

    original_create = LambdaBackend.create_event_source_mapping
    original_update = LambdaBackend.update_event_source_mapping
    original_delete = LambdaBackend.delete_event_source_mapping
    original_add_message = Queue.add_message

    @functools.wraps(original_create)
    def create_event_source_mapping(self, spec: dict[str, Any]):
        _validate(spec, spec.get("EventSourceArn", ""))
        esm = original_create(self, spec)
        if _is_sqs(esm.event_source_arn):
            # detach from the queue: moto's add_message would invoke the function inline
            _detach(esm)
            poller.poke()
        return esm

    @functools.wraps(original_update)
    def update_event_source_mapping(self, uuid: str, spec: dict[str, Any]):
        esm = self.get_event_source_mapping(uuid)
        if esm is not None:
            merged = {"BatchSize": esm.batch_size,
                      "MaximumBatchingWindowInSeconds": esm.max_batch_window, **spec}
            _validate(merged, esm.event_source_arn)
        result = original_update(self, uuid, spec)
        poller.poke()
        return result

    @functools.wraps(original_delete)
    def delete_event_source_mapping(self, uuid: str):
        esm = original_delete(self, uuid)
        if esm is not None:
            _detach(esm)
            poller.poke()
        return esm

    @functools.wraps(original_add_message)
    def add_message(self, message):
        original_add_message(self, message)
        with self._messages_lock:  # wake pollers sleeping on this queue
            self._labkit_arrivals = getattr(self, "_labkit_arrivals", 0) + 1
            self._messages_lock.notify_all()

    LambdaBackend.create_event_source_mapping = create_event_source_mapping
    LambdaBackend.update_event_source_mapping = update_event_source_mapping
    LambdaBackend.delete_event_source_mapping = delete_event_source_mapping
    Queue.add_message = add_message


def _is_sqs(arn: str) -> bool:
    return arn.split(":")[2:3] == ["sqs"]


def _detach(esm: Any) -> None:
    from moto.sqs.models import sqs_backends

    if not _is_sqs(esm.event_source_arn):
        return
    _, _, _, region, account, name = esm.event_source_arn.split(":")
    queue = sqs_backends[account][region].queues.get(name)
    if queue is not None:
        for key, value in list(queue.lambda_event_source_mappings.items()):
            if value is esm:
                del queue.lambda_event_source_mappings[key]


def _validate(spec: dict[str, Any], arn: str) -> None:
    """The Lambda API's own checks on SQS mappings (CreateEventSourceMapping reference)."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    if not _is_sqs(arn):
        return
    limit = (spec.get("ScalingConfig") or {}).get("MaximumConcurrency")
    if limit is not None and not 2 <= int(limit) <= 1000:
        raise InvalidParameterValueException(
            "MaximumConcurrency must be between 2 and 1000 (ScalingConfig)")
    batch = spec.get("BatchSize")
    window = spec.get("MaximumBatchingWindowInSeconds") or 0
    if arn.endswith(".fifo"):
        if spec.get("MaximumBatchingWindowInSeconds"):
            raise InvalidParameterValueException(
                "Batching window is not supported for FIFO queues")
        return
    if batch is not None and int(batch) > 10 and int(window) < 1:
        raise InvalidParameterValueException(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size "
            "is greater than 10")
