"""Serverless vs a fixed-price server: where does pay-per-request stop being cheaper?

A VPS costs the same every month whatever the traffic; a serverless API costs roughly in
proportion to it. So there is a request rate above which the server wins. This module
prices the serverless side per month (Lambda + API Gateway + whatever else you add) and
finds that break-even rate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from labkit.cost import prices as p
from labkit.cost.breakdown import CostBreakdown
from labkit.cost.lambda_model import lambda_cost
from labkit.cost.services import api_gateway_cost

# An extra monthly charge that depends on the month's request count, e.g.
# lambda n: dynamodb_cost(write_units=n)   or   lambda n: nat_gateway_cost()
Extra = Callable[[float], CostBreakdown]


def serverless_monthly_cost(requests_per_day: float, duration_ms: float, memory_mb: float,
                            arch: str = "x86_64", api: str | None = "http",
                            free_tier: bool = True, extras: Iterable[Extra] = (),
                            days: float = p.DAYS_PER_MONTH) -> CostBreakdown:
    """A month of an API: `requests_per_day` x `days` requests through API Gateway
    (api="http", "rest" or None) to a function, plus `extras`."""
    monthly = requests_per_day * days
    bill = lambda_cost(monthly, duration_ms, memory_mb, arch=arch, free_tier=free_tier)
    if api:
        bill = bill + api_gateway_cost(monthly, kind=api)
    for extra in extras:
        bill = bill + extra(monthly)
    bill.title = f"serverless API: {requests_per_day:,.0f} requests/day x {days:g} days"
    return bill


@dataclass
class Comparison:
    requests_per_day: float
    serverless: CostBreakdown
    vps_usd: float

    @property
    def serverless_usd(self) -> float:
        return self.serverless.total_usd

    @property
    def cheaper(self) -> str:
        return "serverless" if self.serverless_usd < self.vps_usd else "vps"


def serverless_vs_vps(requests_per_day: float, vps_monthly_usd: float, **workload) -> Comparison:
    """Both monthly bills for one request rate. `workload`: serverless_monthly_cost() args."""
    return Comparison(requests_per_day,
                      serverless_monthly_cost(requests_per_day, **workload), vps_monthly_usd)


def break_even_requests_per_day(vps_monthly_usd: float, max_requests_per_day: float = 1e10,
                                **workload) -> float | None:
    """The requests/day at which the serverless bill reaches `vps_monthly_usd`: 0 if it
    already costs more with no traffic (e.g. a NAT Gateway alone), None if it stays cheaper
    up to `max_requests_per_day`. The bill only grows with traffic, so halve the interval
    until it is narrower than one request a day."""
    def cost(rate: float) -> float:
        return serverless_monthly_cost(rate, **workload).total_usd

    if cost(0) >= vps_monthly_usd:
        return 0.0
    if cost(max_requests_per_day) < vps_monthly_usd:
        return None
    low, high = 0.0, max_requests_per_day
    while high - low > 1:
        middle = (low + high) / 2
        if cost(middle) < vps_monthly_usd:
            low = middle
        else:
            high = middle
    return high
