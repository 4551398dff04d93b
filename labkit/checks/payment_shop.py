"""The payment shop that labs 02 and 99 grade a payment handler in: a fresh DynamoDB table, a
payment provider (a ``labkit.faults.Downstream``) and the learner's handler wired to both, with
orders delivered as a queue would hand them out, and the two faults both labs stage (copies of
an order at the same moment, a crash right after the charge). What each lab asks of the
handler, and how often its queue hands a failed order out again, stay in the lab's own module."""
from __future__ import annotations

import random
from typing import Any, Callable

from labkit.checks.framework import Mismatch, Scenario
from labkit.checks.sandbox import Function, Invocation
from labkit.faults import Downstream
from labkit.lambda_outcomes import CRASHED, TIMEOUT

# how the lab's queue hands a failed delivery out again: (order, its result) -> the last result
Redeliver = Callable[[list[Any], Invocation], Invocation]


def random_orders(r: random.Random, low: int, high: int) -> list[list[Any]]:
    """Between low and high orders [order id, amount in cents], drawn from r."""
    return [[f"ord-{r.randrange(10**6):06d}-{i}", r.randrange(100, 100_000)]
            for i in range(r.randint(low, high))]


def order_event(order: list[Any]) -> dict[str, Any]:
    return {"order_id": order[0], "amount": order[1]}


class PaymentShop:
    """A fresh table (``table_suffix``, hash key ``key``, a string), a payment provider, and the
    learner's handler deployed with the table's name in $``table_variable`` and the provider's
    in $PAYMENT_PROVIDER. Every delivery is kept as evidence; a delivery that times out fails
    the scenario at once (every later one would wait out the timeout too)."""

    def __init__(self, s: Scenario, table_suffix: str, key: str, table_variable: str,
                 timeout_s: float):
        self.s, self.timeout_s = s, timeout_s
        self.table = s.create.table(table_suffix, key=key)
        self.dynamodb = s.client("dynamodb")
        self.provider = Downstream(f"{s.namespace}-provider", client=self.dynamodb)
        s.on_cleanup(self.provider.reset)
        self.variables = {table_variable: self.table, "PAYMENT_PROVIDER": self.provider.name}
        self.groups: list[Function] = []   # sets of execution environments that share no memory
        self.function = self.group(0)
        self.answers: dict[str, list[Invocation]] = {}
        self.deliveries: list[dict[str, Any]] = []
        s.evidence["deliveries"] = self.deliveries

    def group(self, k: int) -> Function:
        """The k-th set of execution environments of the learner's handler, started when first
        needed (a redelivery Lambda hands to an environment that never saw the order)."""
        while len(self.groups) <= k:
            self.groups.append(self.s.function(self.variables, timeout_s=self.timeout_s))
        return self.groups[k]

    def deliver(self, order: list[Any], group: int = 0) -> Invocation:
        result = self.group(group).invoke(order_event(order))
        self._record(order, result)
        return result

    def deliver_at_once(self, orders: list[list[Any]]) -> list[Invocation]:
        results = self.function.invoke_at_once([order_event(o) for o in orders])
        for order, result in zip(orders, results):
            self._record(order, result)
        return results

    def _record(self, order: list[Any], result: Invocation) -> None:
        self.answers.setdefault(order[0], []).append(result)
        self.deliveries.append({"event": order_event(order), **result.as_evidence()})
        if result.status == TIMEOUT:
            raise Mismatch(f"the handler did not return ({result.describe()})",
                           f"an answer within {self.timeout_s:.0f} s")

    def provider_calls(self) -> list[dict[str, Any]]:
        """Every call the provider took (the charges), also kept as evidence."""
        calls = self.provider.calls()
        self.s.evidence["provider_calls"] = calls
        return calls

    # -- the faults both labs stage ---------------------------------------------------------------
    def race_copies(self, orders: list[list[Any]], copies: int, delay_s: float, redeliver: Redeliver
                    ) -> tuple[list[list[Any]], list[Invocation], dict[str, list[Invocation]]]:
        """Every order ``copies`` times at the same moment, one execution environment each, while
        the provider answers ``delay_s`` late (a slow provider keeps the race window open); then
        each failed copy handed out again. -> (the copies, their first results, the last result
        of each copy by order id)."""
        self.provider.slow(delay_s)
        batch = [o for o in orders for _ in range(copies)]
        results = self.deliver_at_once(batch)
        self.provider.heal()
        finals: dict[str, list[Invocation]] = {o[0]: [] for o in orders}
        for order, result in zip(batch, results):
            finals[order[0]].append(redeliver(order, result))
        return batch, results, finals

    def expect_copies_raced(self, orders: list[list[Any]], batch: list[list[Any]],
                            results: list[Invocation]) -> None:
        """Right so far: it counts only if the copies really ran at the same moment (a wrong
        answer is reported first, whatever the timing, so one submission gets one verdict)."""
        for order in orders:
            self.s.expect_raced(f"copies of {order[0]}", [r for o, r in zip(batch, results) if o is order])

    def crash_after_charge(self, orders: list[list[Any]], crash: int,
                           redeliver: Redeliver) -> dict[str, list[Invocation]]:
        """The orders one after another; the provider kills the execution environment right
        after it charges order number ``crash``; each failed delivery handed out again.
        -> the last result of each order by order id."""
        finals: dict[str, list[Invocation]] = {o[0]: [] for o in orders}
        for i, order in enumerate(orders):
            if i == crash:
                self.provider.crash_after_next_call()
            first = self.deliver(order)
            if i == crash:
                self.s.expect(first.status == CRASHED,
                              observed=f"the delivery ended with {first.describe()}",
                              expected="the execution environment to die right after the charge "
                                       "(the handler must call the provider)")
            finals[order[0]].append(redeliver(order, first))
        return finals
