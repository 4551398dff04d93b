"""Lab 11, task 3: "a customer's orders in a date range", answered by a Query on a key designed
for it, not by a Scan.

The learner's file has three entry points, run in the check sandbox with plain boto3 (like
deployment scripts): ``create_orders_table({"table_name"})`` creates the table with the keys (and
indexes, if any) the learner designs; ``save_orders({"table_name", "orders"})`` writes the
orders in the learner's item layout; ``orders_in_range({"table_name", "customer", "from",
"to"})`` answers ``{"order_ids": [...]}``: that customer's orders dated from ``from`` to ``to``,
both included (ISO dates).

The calls go through a meter (labkit.checks.lab_11_meter) that records what DynamoDB read for
each: a Scan "reads every item in a table" and a filter "is applied after a Scan finishes",
so it "consumes the same amount of read capacity" (DynamoDB Developer Guide, "Scanning tables",
"Filter expressions for Scan"); a Query whose key condition selects exactly the range reads
only the items it returns, and ``ScannedCount`` equals ``Count``. The orders are seeded so that
every shortcut reads more than the answer: the customer has orders before and after the range,
other customers have orders inside it.
"""
from __future__ import annotations

import random
from typing import Any

from labkit.checks.framework import Scenario
from labkit.checks.lab_11_data_layer import LAB
from labkit.checks.lab_11_meter import DynamoMeter
from labkit.checks.sandbox import Function
from labkit.lessons.polling import wait_until

CALL_TIMEOUT_S = 60.0
STATUSES = ["PENDING", "SHIPPED", "DELIVERED", "DELIVERED", "DELIVERED"]


def _day(n: int) -> str:
    return f"2026-11-{n:02d}"


def orders_and_question(p: dict[str, Any]) -> tuple[list[dict], dict[str, str], set[str]]:
    """The seeded orders, the question (customer, from, to), and its answer (order ids)."""
    r = random.Random(p["seed"])
    customers = [f"c{r.randrange(100, 1000)}-{i}" for i in range(p["customers"])]
    asked = customers[0]
    orders = []
    for c in customers:
        days = sorted(r.sample(range(1, 29), p["orders_each"]))
        for day in days:
            orders.append({"order_id": f"ord-{len(orders):04d}-{r.randrange(10**4):04d}",
                           "customer": c, "date": _day(day), "status": r.choice(STATUSES),
                           "total": r.randrange(100, 100_000),
                           "lines": "; ".join(f"sku-{r.randrange(10**4):04d} x{r.randint(1, 3)}"
                                              for _ in range(r.randint(3, 12)))})
    # the customer's second and second-to-last order dates: orders on both ends (inclusive),
    # one before and one after
    mine = sorted({o["date"] for o in orders if o["customer"] == asked})
    start, end = mine[1], mine[-2]
    answer = {o["order_id"] for o in orders if o["customer"] == asked and start <= o["date"] <= end}
    r.shuffle(orders)
    return orders, {"customer": asked, "from": start, "to": end}, answer


def _hidden(r: random.Random) -> dict[str, Any]:
    return {"customers": r.randint(3, 6), "orders_each": r.randint(6, 12),
            "seed": f"{r.randrange(10**8):08d}"}


def _call(s: Scenario, meter: DynamoMeter, entry: str, event: dict[str, Any]) -> Any:
    fn = Function(s.target.handler_path, env={"LABKIT_HANDLER_NAME": entry},
                  endpoint_url=meter.url, timeout_s=CALL_TIMEOUT_S, zygote=s.target.zygote,
                  drop_root=s.target.drop_root)
    try:
        answer = fn.invoke(event)
    finally:
        s.evidence[f"{entry}_log"] = fn.log_tail(1500)
        fn.close()
    s.expect(answer.ok, observed=f"{entry} answered {answer.describe()[:300]}",
             expected=f"{entry} to return without an error")
    return answer.payload


@LAB.check("task-3", "range-without-scan", "a customer's orders in a date range: the right "
           "orders, and DynamoDB reads no other item", points=3,
           hint="Put the customer in the partition key and the date first in the sort key (e.g. "
                "pk = 'CUSTOMER#<customer>', sk = 'ORDER#<date>#<order_id>'), then Query with "
                "KeyConditionExpression 'pk = :pk AND sk BETWEEN :from AND :to', where :to is "
                "past every order of the last day. A FilterExpression does not reduce what is "
                "read.",
           public={"customers": 4, "orders_each": 8, "seed": "public"}, hidden=_hidden)
def range_without_scan(s: Scenario) -> None:
    orders, question, expected = orders_and_question(s.params)
    meter = DynamoMeter(s.target.endpoint_url or "https://dynamodb.us-east-1.amazonaws.com")
    s.on_cleanup(meter.stop)
    table = s.create.name("orders")   # the learner's create_orders_table makes it
    ddb = s.client("dynamodb")
    s.on_cleanup(lambda: ddb.delete_table(TableName=table))
    _call(s, meter, "create_orders_table", {"table_name": table})
    wait_until(lambda: ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE",
               timeout=CALL_TIMEOUT_S, interval=0.2, what="the table to be active")
    _call(s, meter, "save_orders", {"table_name": table, "orders": orders})
    meter.reset()
    answer = _call(s, meter, "orders_in_range", {"table_name": table, **question})
    calls = meter.calls()
    s.evidence.update(question=question, expected=sorted(expected), answer=answer, calls=calls)
    got = answer.get("order_ids") if isinstance(answer, dict) else None
    s.expect(isinstance(got, list), observed=f"orders_in_range answered {str(answer)[:200]}",
             expected='{"order_ids": [...]}')
    missing, extra = expected - set(got), set(got) - expected
    s.expect(not missing and not extra and len(got) == len(expected),
             observed=f"{len(got)} order ids for {question['customer']} from {question['from']} "
                      f"to {question['to']}: {len(missing)} of its {len(expected)} orders in that "
                      f"range missing, {len(extra)} others included"
                      f"{', some twice' if len(got) != len(set(got)) else ''}",
             expected="exactly that customer's orders dated within the range, both ends included")
    scans = [c for c in calls if c["operation"] == "Scan"]
    read = sum(c["items_read"] for c in calls)
    units = sum(c["read_units"] for c in calls)
    summary = (f"{len(calls)} DynamoDB call{'s' if len(calls) != 1 else ''} "
               f"({', '.join(sorted({c['operation'] for c in calls}))}) "
               f"read {read} items, {units:g} read units, for {len(expected)} orders out of "
               f"{len(orders)} in the table")
    s.expect(not scans, observed=f"{summary}: {len(scans)} of them Scans",
             expected="no Scan: a Scan reads the whole table whatever its filter returns")
    s.expect(read <= len(expected), observed=summary,
             expected="DynamoDB reads only the orders in the answer: a key condition that "
                      "selects the customer and the range, not a filter after the read")
