"""What each lab's task texts require, and the check that covers each requirement.

A requirement quotes its lab notebook (``labs/<notebook>``) word for word, so it cannot drift
from what the learner reads; ``tests/unit/test_lab_requirements.py`` fails when a quote is no
longer in the notebook, when a requirement names no check of its lab, when a task states no
requirement, or when a check covers none. A requirement that no check covers cannot be listed:
write the check first.
"""
from __future__ import annotations

from typing import NamedTuple


class Requirement(NamedTuple):
    task: str          # "task-2"
    says: str          # the words of the lab notebook that state it
    checked_by: str    # the id of the check that fails when it is not met


R = Requirement

REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "00": (
        R("task-1", "with the country's rate (percent) from the configuration", "answers-right"),
        R("task-1", 'when the configuration has no rate for it (an answer, not an exception)',
          "answers-right"),
        R("task-2", "move the client and the `load_config` call to module level", "init-once"),
        R("task-2", "counts the `config_loaded` lines of each environment's log stream: exactly "
                    "one each", "init-once"),
        R("task-3", "load again when it is older than `TTL_S`", "refreshes-config"),
        R("task-3", "still not on every call", "refreshes-config"),
    ),
    "01": (
        R("task-1", "Do not raise: answer", "reports-failures"),
        R("task-1", "with exactly the failed records, and an empty list when all succeeded",
          "reports-failures"),
        R("task-2", "a dead-letter queue named `<name>-dlq`", "configuration"),
        R("task-2", "derive the visibility timeout from `function_timeout_s`, whatever the "
                    "function's timeout is", "configuration"),
        R("task-2", "sending a message to the DLQ after `max_receive_count` receives",
          "configuration"),
        R("task-2", '`MaximumBatchingWindowInSeconds` and `FunctionResponseTypes=["ReportBatchItemFailures"]`',
          "configuration"),
        R("task-3", "every good order processed exactly once", "mixed-batches"),
        R("task-3", "every bad order attempted `max_receive_count` times and then in the DLQ, "
                    "nothing else there", "mixed-batches"),
    ),
    "02": (
        R("task-1", "an order delivered again, later, is **not charged again**",
          "repeated-deliveries"),
        R("task-1", "every delivery of an order gets **the same receipt** (the first one)",
          "same-receipt"),
        R("task-2", "a conditional write (`attribute_not_exists`) that only one copy can win",
          "concurrent-duplicates"),
        R("task-2", "by then the winner's receipt is there to return", "concurrent-duplicates"),
        R("task-3", "the retry after that charges again", "crash-after-charge"),
        R("task-4", "The handler must reject it with an error (raise) and charge nothing",
          "tampered-retry"),
        R("task-4", "a genuine retry afterwards must still get the original receipt",
          "tampered-retry"),
    ),
    "03": (
        R("task-1", "is reported in `batchItemFailures`, so SQS retries *that* message",
          "transient-retried"),
        R("task-1", "send the original body to `DLQ_URL` with the message attributes "
                    "`error_type`", "permanent-parked"),
        R("task-1", "do *not* report it as failed, so SQS deletes the original",
          "permanent-parked"),
        R("task-1", "an order that succeeds is charged once", "permanent-parked"),
        R("task-2", "set the queue's `VisibilityTimeout` to `event[\"visibility_timeout_s\"]`",
          "poison-max-receives"),
        R("task-2", "expects each in the DLQ after exactly `maxReceiveCount` attempts",
          "poison-max-receives"),
        R("task-2", "**processed + parked = sent**", "nothing-lost"),
        R("task-3", "goes to ALARM as soon as **one** message is in the DLQ and notifies the SNS "
                    "topic", "alarm-fires"),
        R("task-3", "stays OK (silent) while the DLQ is empty", "alarm-fires"),
        R("task-4", "keep every existing variable and add `BUG_FIXED=1`", "redrive-reprocesses"),
        R("task-4", "then move the DLQ's messages back", "redrive-reprocesses"),
    ),
    "04": (
        R("task-1", "`aggregate_chunk(text)` returns `{carrier: {total: int}}` with the six "
                    "`TOTALS`", "chunk-partials"),
        R("task-1", "`save_partial(job, chunk, totals)` puts", "chunk-partials"),
        R("task-2", "publish with `reports.call(job=job, totals=final)`", "one-report"),
        R("task-2", "a counter that is read, incremented in Python and written back loses "
                    "updates there", "concurrent-workers"),
        R("task-3", "some chunks are delivered twice, in any order", "duplicates-reordered"),
        R("task-3", "a chunk is delivered again after the report went out", "late-duplicates"),
        R("task-3", "the redelivery finds its chunk already counted and must still publish",
          "failed-after-counting"),
    ),
    "05": (
        R("task-1", "that jumps to **its own** compensation", "every-failure-point"),
        R("task-1", "chained **backwards**", "every-failure-point"),
        R("task-2", "**at most one refund per saga**", "effect-at-most-once"),
        R("task-2", "so a late reservation or charge changes nothing", "effect-at-most-once"),
        R("task-3", "give every compensation a `Retry` on `ServiceUnavailable`",
          "flaky-compensation"),
        R("task-4", "a `Choice` on `$.stuck` (`IsPresent`) ends in `SagaStuck`",
          "stuck-saga-parked"),
        R("task-4", "with a `MessageBody` holding `saga_id.$: $.saga_id`", "stuck-saga-parked"),
        R("task-4", "`>= 1` over one 60 s period, missing data not breaching",
          "stuck-saga-parked"),
    ),
    "06": (
        R("task-1", "the init work of a new execution environment must be at most a tenth of "
                    "the original's", "cold-start-ratio"),
        R("task-2", 'Answer warming pings `{"warmer": true}` with `{"warmed": true}`',
          "answers-unchanged"),
        R("task-2", "even a report that is the first request of a brand-new environment",
          "answers-unchanged"),
        R("task-3", "so that no request of that burst cold-starts", "no-cold-starts"),
        R("task-3", "and not one more", "right-sized"),
    ),
    "07": (
        R("task-1", "among the sizes whose measured `duration_ms` is at most the target, the "
                    "one with the lowest monthly Lambda cost", "choose-memory"),
        R("task-1", "If no size is fast enough", "choose-memory"),
        R("task-2", "scale each function by `monthly_invocations / number of REPORT lines you "
                    "found`", "pipeline-lambda"),
        R("task-2", "**including INIT**", "pipeline-lambda"),
        R("task-3", "Lambda's own `START`, `END` and `REPORT` lines included", "pipeline-logs"),
    ),
    "08": (
        R("task-1", "every line of every invocation is a JSON object with `level` and "
                    "`message`", "json-lines"),
        R("task-1", "all lines of an invocation carry its request id", "json-lines"),
        R("task-2", "take the `x-correlation-id` header (header names are case-insensitive) or "
                    "mint a new `uuid4`", "id-at-the-edge"),
        R("task-2", "read it and put it on every line they write, failures and retries included",
          "same-id-every-hop"),
        R("task-3", "every log line of that request, in time order", "failed-request-path"),
        R("task-3", "but **not** the lines of other requests that shared an invocation with it",
          "failed-request-path"),
        R("task-4", "**every ERROR line your handlers write for an order that failed**",
          "failed-orders-pattern"),
        R("task-4", "**one row per failed request**, with that request's id in a field named "
                    "`correlation_id`", "failed-orders-query"),
        R("task-5", "give **each record** a subsegment of its own", "failed-order-traces"),
        R("task-5", "finds the traces in which `orders` rejected an order, and no other trace",
          "failed-order-traces"),
        R("task-5", "**ALARM when more than 10 % of one period's invocations fail**",
          "error-rate-alarm"),
        R("task-5", "Only the burst may page.", "error-rate-alarm"),
    ),
    "09": (
        R("task-1", "the worker never runs more executions at once than the downstream's "
                    "connections allow", "peak-within-limit"),
        R("task-2", "the downstream sees **zero overload errors**, even while a replay job "
                    "invokes the worker directly", "no-overload-errors"),
        R("task-3", "the backlog still drains **before a deadline**", "drained-in-time"),
    ),
    "10": (
        R("task-1", "each order is charged **once**, however often and however close together it "
                    "is sent", "retry-charges-once"),
        R("task-1", "a send whose key was already taken is answered **409**", "retry-charges-once"),
        R("task-2", "answer **400** to an invalid order and never queue it",
          "accepts-before-charging"),
        R("task-2", "answer **202** (`{\"order_id\": ..., \"status\": \"PENDING\"}`) **without "
                    "calling the provider**", "accepts-before-charging"),
        R("task-2", "charges **every valid order exactly once**", "charges-each-once"),
        R("task-3", "retry only 429 and 503", "retries-throttled"),
        R("task-3", "A **400** or **409** answers the same every time: never send it again",
          "no-retry-client-errors"),
        R("task-3", "call it at most `max_attempts` times in all", "gives-up-with-jitter"),
        R("task-3", "exponential backoff with **full jitter**", "gives-up-with-jitter"),
    ),
    "11": (
        R("task-1", "each execution environment **opens one connection** and its later invocations "
                    "**reuse it**", "one-connection-per-environment"),
        R("task-1", "the next invocation opens a new one instead of failing, again once per "
                    "environment", "reconnects-after-failover"),
        R("task-2", "set the function's reserved concurrency to its **connection budget**",
          "burst-within-budget"),
        R("task-2", "gets **no refused connection** and **every request is served**",
          "burst-within-budget"),
        R("task-3", "**exactly** that customer's orders in the range, with **no Scan**",
          "range-without-scan"),
        R("task-3", "DynamoDB **reads no item outside the answer**", "range-without-scan"),
    ),
    "12": (
        R("task-1", "with **partial batch responses**", "two-stages"),
        R("task-1", "the orders queue **redrives to the dead-letter queue of its own stack**",
          "two-stages"),
        R("task-1", "its **visibility timeout is at least six times the function's timeout**",
          "two-stages"),
        R("task-1", "**each stage has resources of its own**, and **the same settings in every "
                    "stage**", "two-stages"),
        R("task-2", "**the properties whose live value differs from what the stack's template "
                    "sets, as the stack is now**", "surviving-drift"),
        R("task-3", "**watch the alarm for `bake_s` seconds**", "bad-release-stopped"),
        R("task-3", "on ALARM **roll back**: the alias on the old version alone, no weight to "
                    "the new one, the alias kept for its callers", "bad-release-stopped"),
        R("task-3", "on **the new version's own errors**", "good-release-promoted"),
        R("task-3", "if the bake time passes quietly, **promote**: the alias on the new version "
                    "alone", "good-release-promoted"),
    ),
    "13": (
        R("task-1", "Your tests must **pass on the correct code and fail on every bug**",
          "unit-tests"),
        R("task-1", "**run with no backend**", "unit-tests"),
        R("task-1", "**a wrong price**, in particular at the edge of the group rate and in its "
                    "rounding", "unit-tests"),
        R("task-1", "**a booking that should be refused but is accepted**, or refused after "
                    "something was saved or published", "unit-tests"),
        R("task-1", "**a batch answer that names the wrong records**, or a batch that stops at "
                    "the first bad record", "unit-tests"),
        R("task-1", "a reworded error message is not a bug", "unit-tests"),
        R("task-2", "save a `Booking` with `DynamoBookingStore` in **a table built from "
                    "`TABLE_DEFINITION`**", "integration-tests"),
        R("task-2", "**read it back from the queue as JSON**", "integration-tests"),
        R("task-2", "**makes its own table or queue, named with `TEST_PREFIX`, and deletes it**",
          "integration-tests"),
        R("task-3", "**one notification per good booking**", "end-to-end-test"),
        R("task-3", "**exactly the bad booking on the dead-letter queue**", "end-to-end-test"),
        R("task-3", "**Poll with a deadline**", "end-to-end-test"),
        R("task-3", "Read the names **from the environment**", "end-to-end-test"),
    ),
    "14": (
        R("task-1", "every valid order charged exactly once (duplicates, redeliveries, a crash "
                    "right after a charge)", "charged-exactly-once"),
        R("task-1", "every sold-out order refunded exactly once, even while the refunds API is "
                    "down", "refunded-when-refused"),
        R("task-2", "processed + parked = sent: every order recorded with its outcome, poison "
                    "parked, nothing valid parked", "every-order-accounted"),
        R("task-2", "the DLQ alarm fires when something is parked, and only then",
          "alarm-when-it-should"),
        R("task-3", "the warehouse never gets more requests at once than it has connection slots",
          "warehouse-not-overloaded"),
        R("task-3", "Size `MaximumConcurrency` from it (lesson 09): derived, not a constant",
          "warehouse-not-overloaded"),
        R("task-3", "p95 end-to-end latency of accepted orders within the SLO", "latency-slo"),
        R("task-3", "the run's Lambda bill, from its own REPORT lines, within budget",
          "bill-within-budget"),
    ),
    "99": (
        R("task-1", "store `{\"order_id\", \"status\": \"charged\", \"charge_id\"}`",
          "charges-and-records"),
        R("task-2", "when deliveries repeat one after the other", "sequential-duplicates"),
        R("task-2", "when two copies run *at the same time*", "concurrent-duplicates"),
        R("task-2", "when the environment dies right after the provider charged",
          "crash-after-charge"),
        R("task-3", "Retry the first a few times inside the invocation", "transient-failures"),
        R("task-3", 'answer the second with `{"order_id", "status": "rejected"}` and record that '
                    "status, without raising", "permanent-failure"),
    ),
}
