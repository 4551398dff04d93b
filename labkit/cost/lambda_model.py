"""What a Lambda function costs: requests + GB-seconds (+ INIT, + provisioned concurrency).

GB-seconds = memory in GB x billed seconds. Billed time is rounded up to the next 1 ms,
per invocation. 1 GB = 1,024 MB here, as on the pricing page (128 MB = 0.125 GB).
"""
from __future__ import annotations

import math

from labkit.cost import prices as p
from labkit.cost.breakdown import CostBreakdown, LineItem, take_free, tiered_items

ARCHITECTURES = tuple(p.LAMBDA_DURATION_TIERS)
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10_240


def gb_seconds(invocations: float, duration_ms: float, memory_mb: float) -> float:
    """GB-s billed for `invocations` runs of `duration_ms` each (rounded up to 1 ms)."""
    return invocations * math.ceil(duration_ms) / 1000 * memory_mb / 1024


def lambda_cost(requests: float, duration_ms: float, memory_mb: float, arch: str = "x86_64",
                free_tier: bool = True, cold_starts: float = 0, init_ms: float = 0.0,
                bill_init: bool = True) -> CostBreakdown:
    """Monthly cost of an on-demand function.

    requests     invocations in the month
    duration_ms  average handler duration (REPORT "Duration")
    memory_mb    configured memory, 128..10,240 MB
    cold_starts  how many of those invocations started a new environment
    init_ms      average INIT phase (REPORT "Init Duration") of a cold start
    bill_init    True since 1 Aug 2025 for ZIP functions on managed runtimes (and always
                 for container images and custom runtimes); False prices the old rule.
    """
    _check(requests=requests, duration_ms=duration_ms, cold_starts=cold_starts, init_ms=init_ms)
    _check_memory(memory_mb)
    if cold_starts > requests:
        raise ValueError(f"cold_starts ({cold_starts}) cannot exceed requests ({requests})")
    handler = gb_seconds(requests, duration_ms, memory_mb)
    init = gb_seconds(cold_starts, init_ms, memory_mb) if bill_init else 0.0
    title = (f"Lambda {arch}: {requests:,.0f} requests x {duration_ms:g} ms at {memory_mb:g} MB"
             + (f", {cold_starts:,.0f} cold starts x {init_ms:g} ms INIT" if cold_starts else ""))
    bill = lambda_usage_cost(requests, handler, init, arch=arch, free_tier=free_tier, title=title)
    if cold_starts and not bill_init:
        bill.notes.append(f"INIT phase not billed (the rule before {p.INIT_BILLED_SINCE}).")
    return bill


def lambda_usage_cost(requests: float, handler_gb_s: float, init_gb_s: float = 0.0,
                      arch: str = "x86_64", free_tier: bool = True,
                      title: str = "Lambda") -> CostBreakdown:
    """Price measured usage: a request count and GB-seconds (handler, and INIT if billed)."""
    tiers = _tiers(arch)
    free_requests = p.LAMBDA_FREE_REQUESTS if free_tier else 0
    free_gb_s = p.LAMBDA_FREE_GB_S if free_tier else 0

    billable_requests, free_req = take_free(requests, free_requests)
    billable_handler, free_handler = take_free(handler_gb_s, free_gb_s)
    billable_init, free_init = take_free(init_gb_s, free_gb_s - free_handler)

    items = [LineItem("Lambda", "requests", requests, "requests",
                      p.LAMBDA_REQUESTS.cost(billable_requests), p.LAMBDA_REQUESTS, free_req)]
    items += tiered_items("Lambda", f"duration {arch} (handler)", billable_handler, tiers,
                          free=free_handler)
    if init_gb_s:
        items += tiered_items("Lambda", f"duration {arch} (INIT phase)", billable_init, tiers,
                              already_used=billable_handler, free=free_init)
    notes = [] if free_tier else ["free tier not applied"]
    return CostBreakdown(title, items, notes)


def provisioned_cost(concurrency: int, memory_mb: float, hours: float, arch: str = "x86_64",
                     requests: float = 0, duration_ms: float = 0.0) -> CostBreakdown:
    """Cost of keeping `concurrency` environments initialised for `hours`, plus the
    `requests` they serve (at the provisioned duration rate). No free tier applies to a
    function with provisioned concurrency. Requests beyond the provisioned environments
    spill over to on-demand prices: price those with lambda_cost()."""
    _check(concurrency=concurrency, hours=hours, requests=requests, duration_ms=duration_ms)
    _check_memory(memory_mb)
    _tiers(arch)
    # Enabled time is billed in 5-minute steps, rounded up.
    seconds = math.ceil(hours * 3600 / p.PC_BILLING_INCREMENT_S) * p.PC_BILLING_INCREMENT_S
    configured = concurrency * memory_mb / 1024 * seconds
    executed = gb_seconds(requests, duration_ms, memory_mb)
    configured_price, executed_price = p.PC_CONFIGURED[arch], p.PC_EXECUTED[arch]
    items = [
        LineItem("Lambda", f"provisioned concurrency {arch} (configured)", configured, "GB-s",
                 configured_price.cost(configured), configured_price),
        LineItem("Lambda", f"provisioned concurrency {arch} (executed)", executed, "GB-s",
                 executed_price.cost(executed), executed_price),
        LineItem("Lambda", "requests", requests, "requests",
                 p.LAMBDA_REQUESTS.cost(requests), p.LAMBDA_REQUESTS),
    ]
    title = (f"Lambda provisioned concurrency {arch}: {concurrency} x {memory_mb:g} MB "
             f"for {hours:g} h, {requests:,.0f} requests x {duration_ms:g} ms")
    return CostBreakdown(title, items, ["no free tier with provisioned concurrency"])


def _tiers(arch: str):
    if arch not in p.LAMBDA_DURATION_TIERS:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, not {arch!r}")
    return p.LAMBDA_DURATION_TIERS[arch]


def _check_memory(memory_mb: float) -> None:
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise ValueError(f"memory_mb must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB}, not {memory_mb}")


def _check(**values: float) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative ({value})")
