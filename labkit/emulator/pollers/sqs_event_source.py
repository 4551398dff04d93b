"""SQS -> Lambda event source mappings, run by our own pollers (component "sqs-event-source").

Like AWS: pollers read the queue in batches (receive with the queue's visibility timeout),
invoke the function synchronously with one batch, delete what succeeded and leave the rest
in flight, so failed messages reappear when their visibility timeout expires and the
queue's RedrivePolicy moves them to the DLQ on a later receive. Each mapping starts with
5 pollers and adds more while the queue has a backlog, up to ScalingConfig.
MaximumConcurrency (or LABKIT_SQS_MAX_POLLERS). Pollers call moto's SQS backend in-process
and sleep on the queue's arrival signal, so a new message wakes them at once.

The mapping definitions stay in moto's Lambda backend (Create/Update/Delete/List go
through moto); this component only reads them and runs the pollers.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from typing import Any, Callable

from labkit.emulator.pollers.batch_response import failed_message_ids
from labkit.emulator.pollers.event_filter import RecordFilter
from labkit.emulator.pollers.sqs_records import lambda_record

INITIAL_POLLERS = 5                      # AWS starts five pollers per SQS mapping
IDLE_RECHECK_SECONDS = 0.2               # re-check for messages whose visibility expired
IDLE_RETIRE_SECONDS = 10.0               # extra pollers above the initial five retire when idle
MAX_RECEIVE = 10                         # one SQS ReceiveMessage returns at most 10


def sqs_mappings() -> list[Any]:
    """Every SQS event source mapping in moto's Lambda backends (all accounts/regions)."""
    from moto.awslambda.models import lambda_backends
    from moto.awslambda_simple.models import lambda_simple_backends

    # without Docker moto keeps Lambda state in the "simple" backend (awslambda/utils.py)
    found = []
    for backends in (lambda_backends, lambda_simple_backends):
        for regions in list(backends.values()):
            for backend in list(regions.values()):
                for esm in list(backend._event_source_mappings.values()):
                    if esm.event_source_arn.split(":")[2] == "sqs":
                        found.append(esm)
    return found


class SqsEventSource:
    """The component: keeps one MappingWorker per enabled SQS mapping."""

    name = "sqs-event-source"

    def __init__(self, runtime_lookup: Callable[[], Any], *, max_pollers: int | None = None,
                 scale_up_interval: float = 1.0,
                 mappings: Callable[[], list[Any]] = sqs_mappings):
        self._runtime_lookup = runtime_lookup
        self._mappings = mappings
        self.max_pollers = max_pollers or int(os.environ.get("LABKIT_SQS_MAX_POLLERS", "10"))
        self.scale_up_interval = scale_up_interval
        self.stats: Counter[str] = Counter()
        self._workers: dict[str, MappingWorker] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()

    # -- component protocol --------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._supervise, name="sqs-event-source",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for w in workers:
            w.stop()

    def reset(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for w in workers:
            w.stop()
        self.stats.clear()

    def health(self) -> dict[str, Any]:
        with self._lock:
            mappings = {uuid: w.health() for uuid, w in self._workers.items()}
        return {"mappings": mappings, **self.stats}

    # -- mappings ------------------------------------------------------------------
    def poke(self) -> None:
        """A mapping was created, updated or deleted: re-sync now."""
        self._wake.set()

    def runtime(self) -> Any:
        return self._runtime_lookup()

    def warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print(f"labkit sqs-event-source: {text}", file=sys.stderr)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sync()
            except Exception as exc:  # keep supervising; a broken mapping must not stop others
                self.warn_once(f"sync:{exc!r}", f"sync failed: {exc!r}")
            self._wake.wait(1.0)
            self._wake.clear()

    def sync(self) -> None:
        wanted = {esm.uuid: esm for esm in self._mappings() if esm.enabled}
        stopped = []
        with self._lock:
            for uuid, worker in list(self._workers.items()):
                if wanted.get(uuid) is not worker.esm:
                    stopped.append(self._workers.pop(uuid))
            for uuid, esm in wanted.items():
                if uuid not in self._workers:
                    self._workers[uuid] = MappingWorker(esm, self)
                    self._workers[uuid].start()
        for worker in stopped:
            worker.stop()


class MappingWorker:
    """The pollers of one mapping. Reads the mapping's settings live, so an
    UpdateEventSourceMapping takes effect on the next batch."""

    def __init__(self, esm: Any, owner: SqsEventSource):
        self.esm = esm
        self.owner = owner
        _, _, _, self.region, self.account_id, self.queue_name = esm.event_source_arn.split(":")
        self.fifo = self.queue_name.endswith(".fifo")
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._gather_lock = threading.Lock()
        self._stopping = threading.Event()
        self._pollers = 0
        self._busy = 0
        self._last_scale_up = 0.0
        self._filter_source: Any = object()
        self._filter = RecordFilter(None)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        for _ in range(min(INITIAL_POLLERS, self.max_pollers())):
            self._spawn()

    def stop(self) -> None:
        self._stopping.set()

    def health(self) -> dict[str, Any]:
        return {"queue": self.queue_name, "function": self.esm.function_arn,
                "pollers": self._pollers, "busy": self._busy, **self.stats}

    def max_pollers(self) -> int:
        limit = (self.esm.scaling_config or {}).get("MaximumConcurrency")
        return min(int(limit), self.owner.max_pollers) if limit else self.owner.max_pollers

    def _spawn(self) -> None:
        with self._lock:
            self._pollers += 1
            self.stats["pollers_started"] += 1
        threading.Thread(target=self._poll_loop, name=f"sqs-poller-{self.queue_name}",
                         daemon=True).start()

    def _retire_if_surplus(self, idle_since: float | None) -> bool:
        """Leave when stopped, above the concurrency cap, or long idle above five pollers."""
        with self._lock:
            surplus = self._pollers > self.max_pollers() or (
                idle_since is not None and self._pollers > INITIAL_POLLERS
                and time.monotonic() - idle_since > IDLE_RETIRE_SECONDS)
            if self._stopping.is_set() or surplus:
                self._pollers -= 1
                return True
            return False

    def _maybe_scale_up(self) -> None:
        """A full batch while every poller is busy: there is a backlog, add one poller."""
        now = time.monotonic()
        with self._lock:
            grow = (self._busy >= self._pollers and self._pollers < self.max_pollers()
                    and now - self._last_scale_up >= self.owner.scale_up_interval)
            if grow:
                self._last_scale_up = now
        if grow:
            self._spawn()

    # -- polling ---------------------------------------------------------------------
    def _queue(self) -> tuple[Any, Any] | None:
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[self.account_id][self.region]
        queue = backend.queues.get(self.queue_name)
        return (backend, queue) if queue is not None else None

    def _poll_loop(self) -> None:
        idle_since: float | None = None
        while not self._retire_if_surplus(idle_since):
            try:
                found = self._poll_once()
            except Exception as exc:  # a poller never dies on one bad batch
                self.stats["poller_errors"] += 1
                self.owner.warn_once(f"poll:{exc!r}", f"{self.queue_name}: {exc!r}")
                found = False
                time.sleep(IDLE_RECHECK_SECONDS)
            if found:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()

    def _poll_once(self) -> bool:
        target = self._queue()
        if target is None:
            self._stopping.wait(1.0)  # the queue was deleted (or not yet re-created)
            return False
        backend, queue = target
        with self._gather_lock:  # one poller fills a batch at a time; invokes run in parallel
            messages, arrivals_seen = self._collect(backend, queue)
        if not messages:
            self._wait_for_arrival(queue, arrivals_seen, IDLE_RECHECK_SECONDS)
            return False
        with self._lock:
            self._busy += 1
        try:
            if len(messages) >= self.esm.batch_size:
                self._maybe_scale_up()
            self._process(backend, queue, messages)
        finally:
            with self._lock:
                self._busy -= 1
        return True

    def _collect(self, backend: Any, queue: Any) -> tuple[list[Any], int]:
        """Receive up to BatchSize messages, waiting up to MaximumBatchingWindowInSeconds
        (counted from the first message) for the batch to fill."""
        size = self.esm.batch_size
        window = float(self.esm.max_batch_window or 0)
        deadline: float | None = None
        messages: list[Any] = []
        while len(messages) < size and not self._stopping.is_set():
            arrivals_seen = getattr(queue, "_labkit_arrivals", 0)
            got = backend.receive_message(queue.name, min(MAX_RECEIVE, size - len(messages)), 0,
                                          queue.visibility_timeout, ["All"])
            messages.extend(got)
            if got:
                if deadline is None:
                    deadline = time.monotonic() + window
                continue
            if not messages:
                return messages, arrivals_seen
            remaining = deadline - time.monotonic() if deadline is not None else 0
            if remaining <= 0:
                break
            self._wait_for_arrival(queue, arrivals_seen, min(remaining, IDLE_RECHECK_SECONDS))
        return messages, getattr(queue, "_labkit_arrivals", 0)

    def _wait_for_arrival(self, queue: Any, seen: int, timeout: float) -> None:
        with queue._messages_lock:
            queue._messages_lock.wait_for(
                lambda: getattr(queue, "_labkit_arrivals", 0) != seen or self._stopping.is_set(),
                timeout=timeout)

    # -- invoking --------------------------------------------------------------------
    def _record_filter(self) -> RecordFilter:
        if self.esm.filter_criteria is not self._filter_source:
            self._filter = RecordFilter(self.esm.filter_criteria)
            self._filter_source = self.esm.filter_criteria
        return self._filter

    def _process(self, backend: Any, queue: Any, messages: list[Any]) -> None:
        records = [lambda_record(m, queue.queue_arn, self.region) for m in messages]
        record_filter = self._record_filter()
        kept = []
        for record in records:
            if record_filter.matches(record):
                kept.append(record)
            else:  # AWS deletes SQS messages that match no filter
                self._delete(backend, record)
                self.stats["filtered_out"] += 1
        if not self.fifo:
            if kept:
                self._invoke_and_settle(backend, kept)
            return
        groups: dict[str, list[dict[str, Any]]] = {}
        for record in kept:  # one batch per message group, in order
            groups.setdefault(record["attributes"]["MessageGroupId"], []).append(record)
        for group in groups.values():
            self._invoke_and_settle(backend, group)

    def _invoke_and_settle(self, backend: Any, records: list[dict[str, Any]]) -> None:
        from labkit.emulator.runtime import Throttled

        ids = [r["messageId"] for r in records]
        payload = json.dumps({"Records": records}).encode()
        self.stats["invocations"] += 1
        try:
            runtime = self.owner.runtime()
        except KeyError:
            self.stats["no_runtime"] += 1
            self.owner.warn_once("runtime", "no lambda-runtime component: messages stay queued")
            return
        try:
            result = runtime.invoke(self.esm.function_arn, payload,
                                    trace_header=_trace_header(records))
        except Throttled:
            self.stats["throttled"] += 1   # the batch reappears after its visibility timeout
            return
        except Exception as exc:
            self.stats["invoke_errors"] += 1
            self.owner.warn_once(f"invoke:{type(exc).__name__}", f"invoke failed: {exc!r}")
            return
        report = "ReportBatchItemFailures" in (self.esm.function_response_types or [])
        failed = failed_message_ids(result.payload, result.function_error, ids, report)
        if failed and self.fifo:
            # keep the group's order: nothing after the first failure may be deleted
            first = min(ids.index(i) for i in failed)
            failed |= set(ids[first:])
        for record in records:
            if record["messageId"] in failed:
                self.stats["messages_failed"] += 1
            else:
                self._delete(backend, record)
                self.stats["messages_deleted"] += 1

    def _delete(self, backend: Any, record: dict[str, Any]) -> None:
        from moto.sqs.exceptions import QueueDoesNotExist, ReceiptHandleIsInvalid

        try:
            backend.delete_message(self.queue_name, record["receiptHandle"])
        except (ReceiptHandleIsInvalid, QueueDoesNotExist):
            pass  # purged or deleted meanwhile: nothing left to delete


def _trace_header(records: list[dict[str, Any]]) -> str | None:
    """The invocation continues the trace of the batch's first traced message (AWS X-Ray
    Developer Guide, "Amazon SQS and AWS X-Ray": with a Lambda consumer the trace context
    is propagated automatically)."""
    for record in records:
        header = record["attributes"].get("AWSTraceHeader")
        if header:
            return header
    return None
