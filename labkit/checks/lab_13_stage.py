"""Lab 13's deployed stage: the bookings service as a function behind a queue, for the
learner's end-to-end tests. A wiring bug is a setting of the stage, not a line of code.

The stage is lesson 13's (section 4) but for one setting. The bookings queue redrives to a
dead-letter queue after one receive; its visibility timeout is six times the function's 3 s
timeout, as AWS advises ("Using Lambda with Amazon SQS", Lambda Developer Guide), where the
lesson uses twice to park its refused booking sooner. A batch whose invocation outlasts the
visibility timeout (a cold start on a busy machine) is received again while still being
processed, and after one receive that means dead-lettered, good bookings included: a correct
test would fail for the machine's sake. The mapping reports partial batch failures unless a bug
says otherwise: without ReportBatchItemFailures Lambda ignores the batchItemFailures a function
returns and deletes the whole batch ("Handling errors for an SQS event source in Lambda"). The
mapping is created disabled and enabled only some seconds after the first booking arrives: a
stage that is slow to start, as a new one can be (an event source mapping is "Creating", then
"Enabling", before it polls: Lambda API Reference, EventSourceMappingConfiguration, State).
"""
from __future__ import annotations

import ast
import threading
from pathlib import Path

from labkit import thread_safe_ast
from labkit.checks.framework import Inconclusive, Scenario
from labkit.lessons.logs import read_log_messages
from labkit.lessons.polling import wait_until
from labkit.lessons.queues import queue_arn
from labkit.lessons.testing_lesson import read_files

FUNCTION_TIMEOUT_S = 3
VISIBILITY_TIMEOUT_S = 6 * FUNCTION_TIMEOUT_S
STARTS_WITHIN_S = 300     # how long the stage waits for a first booking before it gives up
# wiring bugs: what the stage's deployment gets wrong (the code is the correct one)
WIRING_BUGS = ("no partial batch responses", "notify queue not set",
               "notifications to an old queue", "the table of an old stage")


def deploy_stage(s: Scenario, stage: str, app: Path, bug: str | None = None,
                 batch_size: int = 10) -> tuple[dict[str, str], str]:
    """Table, queues, function and a disabled mapping named s.create.name(`stage`)-...; returns
    the names the learner's test gets (as environment variables) and the mapping's UUID."""
    sqs, ddb = s.client("sqs"), s.client("dynamodb")
    tables = [s.create.name(f"{stage}-bookings")] + (
        [s.create.name(f"{stage}-old-bookings")] if bug == WIRING_BUGS[3] else [])
    for table in tables:   # keyed as the service's adapters declare it (no s.create.table)
        ddb.create_table(TableName=table, **table_definition(app))
        s.on_cleanup(lambda t=table: ddb.delete_table(TableName=t))
    dlq = s.create.queue(f"{stage}-dlq")
    source = s.create.queue(f"{stage}-bookings", VisibilityTimeout=VISIBILITY_TIMEOUT_S,
                            RedrivePolicy={"deadLetterTargetArn": queue_arn(sqs, dlq), "maxReceiveCount": 1})
    notify = s.create.queue(f"{stage}-notify")
    variables = {"BOOKINGS_TABLE": tables[-1], "NOTIFY_QUEUE_URL": (
        s.create.queue(f"{stage}-old-notify") if bug == WIRING_BUGS[2] else notify)}
    if bug == WIRING_BUGS[1]:
        del variables["NOTIFY_QUEUE_URL"]
    function = s.create.function(f"{stage}-worker", read_files(app), handler="bookings_handler.handler",
                                 Runtime="python3.12", Timeout=FUNCTION_TIMEOUT_S,
                                 Environment={"Variables": variables})
    mapping = s.create.mapping(
        FunctionName=function, EventSourceArn=queue_arn(sqs, source), BatchSize=batch_size,
        Enabled=False,
        FunctionResponseTypes=[] if bug == WIRING_BUGS[0] else ["ReportBatchItemFailures"])
    ddb.get_waiter("table_exists").wait(TableName=tables[0])
    return ({"BOOKINGS_QUEUE_URL": source, "BOOKINGS_DLQ_URL": dlq, "NOTIFY_QUEUE_URL": notify,
             "BOOKINGS_TABLE": tables[0]}, mapping)


def enable_later(s: Scenario, mapping: str, queue_url: str, after_s: float) -> None:
    """Enable the mapping `after_s` seconds after the first message reaches the queue: a stage
    slow to start, however long the tests themselves take to start."""
    lam, sqs, stop = s.client("lambda"), s.client("sqs"), threading.Event()

    def arrived() -> bool:
        counts = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]
        return stop.is_set() or int(counts["ApproximateNumberOfMessages"]) > 0

    def enable() -> None:
        try:
            wait_until(arrived, timeout=STARTS_WITHIN_S, interval=0.5, what="a first booking")
            if not stop.wait(after_s):
                lam.update_event_source_mapping(UUID=mapping, Enabled=True)
        except Exception:  # noqa: BLE001 - tests that send nothing, or a stage already deleted
            pass

    threading.Thread(target=enable, daemon=True).start()
    s.on_cleanup(stop.set)     # cleanups run last first: before the mapping is deleted


def slowed_down(s: Scenario, stages: list[str]) -> None:
    """Raise Inconclusive when a stage's function timed out (its log says "Task timed out",
    as Lambda's does): the code is correct and quick, so the machine was too busy, and the
    learner's test may have failed for that alone (a timed-out batch is dead-lettered)."""
    slow = [name for name in stages if any(
        "Task timed out" in event["message"]
        for event in read_log_messages(s.client("logs"), f"{name}-worker"))]
    if slow:
        raise Inconclusive(f"the function of stage(s) {', '.join(slow)} timed out: the machine "
                           f"was too busy for the stage to run as deployed",
                           "a stage whose function answers within its timeout")


def table_definition(app: Path) -> dict:
    """TABLE_DEFINITION as the service's adapters declare it: the stage is built from the
    same definition as the learner's integration tests' tables."""
    tree = thread_safe_ast.parse((app / "bookings_adapters.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["TABLE_DEFINITION"]:
            return ast.literal_eval(node.value)
    raise ValueError("bookings_adapters.py declares no TABLE_DEFINITION")

