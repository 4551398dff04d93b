"""Checks for lab 14 (the capstone): one order system, graded under a seeded chaos schedule.

The learner writes ``lab14_orders.py``:
  * ``configure(event, context)`` - event ``{warehouse_capacity, function_timeout_s}`` - returns
    ``{batch_size, maximum_concurrency, max_receive_count, memory_mb}``: the event source
    mapping, the redrive policy and the function's memory;
  * ``handler(event, context)`` - an SQS batch of orders ``{"id", "amount", "sku"}``: charge
    (``Downstream($PAYMENTS_API)``), reserve stock (POST $WAREHOUSE_URL), refund a sold-out order
    (``Downstream($REFUNDS_API)``), record the outcome in $ORDERS_TABLE (``order_id``,
    ``status`` placed | refunded), park what can never be processed in $DLQ_URL; returns
    ``{"batchItemFailures": [...]}``;
  * ``create_alarm(event, context)`` - event ``{alarm_name, dlq_name, topic_arn, period_s}``.

Every check judges one invariant of the same run (Scenario.shared): the run deploys the system,
sends the schedule's orders at once while its faults hit (duplicates, poison, transient payment
failures, crashes right after a charge, a refund outage, a warehouse with few slots), waits for
the queue to empty and watches the alarm. Public: one small schedule; hidden: two from the
instructor's seed, shared by every check (seed group "chaos"), one of which may park nothing.
"""
from __future__ import annotations

from labkit.checks.framework import Lab, Scenario
from labkit.checks.lab_14_run import judge
from labkit.lessons import capstone_invariants as invariants
from labkit.lessons.capstone_chaos import hidden_schedule, public_schedule

LAB = Lab(
    "14", "Capstone: an order system under chaos", handler_file="lab14_orders.py",
    notebook="14_capstone.ipynb",
    tasks={
        "task-1": "Charge once, refund once",
        "task-2": "Account for every order, and alarm on what is parked",
        "task-3": "Protect the warehouse, meet the SLO, keep the bill",
    },
    lesson_sections={   # each task practises an earlier lesson's pattern
        "task-1": ("02_idempotency.ipynb", "2 · Fix 1: a conditional put on an idempotency key"),
        "task-2": ("03_errors_and_dlqs.ipynb",
                   "1 · Transient vs permanent failures under a redrive policy"),
        "task-3": ("09_concurrency_backpressure.ipynb",
                   "1 · Draining a backlog, without and with MaximumConcurrency"),
    },
    lesson="14_capstone.ipynb",
)
PUBLIC = public_schedule()
CHAOS = {"public": PUBLIC, "hidden": hidden_schedule, "seed_group": "chaos"}


@LAB.check("task-1", "charged-exactly-once", "every valid order is charged exactly once, "
           "whatever is redelivered or crashes", points=4,
           hint="Use the order id as the payments API's idempotency key (key=...): a message "
                "delivered again, or a batch that crashed right after a charge, then repeats the "
                "same charge instead of making a new one. Retry transient failures.", **CHAOS)
def charged_exactly_once(s: Scenario) -> None:
    judge(s, invariants.charged_exactly_once)


@LAB.check("task-1", "refunded-when-refused", "a sold-out order is refunded exactly once, even "
           "while the refunds API is down", points=3,
           hint="The refund is the saga's compensation: key it too (another key than the "
                "charge's), retry it while the refunds API fails, and if it still fails report "
                "the message as failed so it comes back, never as done.", **CHAOS)
def refunded_when_refused(s: Scenario) -> None:
    judge(s, invariants.refunded_when_refused)


@LAB.check("task-2", "every-order-accounted", "processed + parked = sent: every order recorded "
           "with its outcome or parked, no valid order parked", points=3,
           hint="A body that is not an order (bad JSON, no id) can never succeed: park it. "
                "Anything transient must come back (batchItemFailures), and max_receive_count "
                "must leave room for the redeliveries a crash and an outage cause.", **CHAOS)
def every_order_accounted(s: Scenario) -> None:
    judge(s, invariants.every_order_accounted)


@LAB.check("task-2", "alarm-when-it-should", "the DLQ alarm fires when a message is parked, "
           "and only then", points=3,
           hint="An alarm on the DLQ's depth (AWS/SQS ApproximateNumberOfMessagesVisible, "
                "Maximum, event['period_s']), above 0, notifying event['topic_arn'].", **CHAOS)
def alarm_when_it_should(s: Scenario) -> None:
    judge(s, invariants.alarm_when_it_should)


@LAB.check("task-3", "warehouse-not-overloaded", "the warehouse never has more requests in "
           "flight than its connection slots", points=3,
           hint="Each execution holds one warehouse connection at a time if it works through "
                "its batch in order; MaximumConcurrency then bounds the requests in flight. "
                "Derive it from event['warehouse_capacity'].", **CHAOS)
def warehouse_not_overloaded(s: Scenario) -> None:
    judge(s, invariants.warehouse_not_overloaded)


@LAB.check("task-3", "latency-slo", "p95 end-to-end latency of accepted orders within the SLO",
           points=2,
           hint="A transient failure retried inside the invocation costs a fraction of a "
                "second; one left to SQS costs a whole visibility timeout.", **CHAOS)
def latency_slo(s: Scenario) -> None:
    judge(s, invariants.latency_slo, clean_run=True)


@LAB.check("task-3", "bill-within-budget", "the run's Lambda bill, from its own REPORT lines, "
           "within budget", points=2,
           hint="GB-seconds are memory x billed duration: more memory does not make waiting on "
                "the warehouse faster, and sleeping is billed.", **CHAOS)
def bill_within_budget(s: Scenario) -> None:
    judge(s, invariants.bill_within_budget)
