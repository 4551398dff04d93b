"""Helpers for lesson 07 (cost) and its lab: the power-tuning model, log volume, state
transitions. Prices always come from labkit.cost; nothing here holds a price.

The power-tuning model. AWS: "Lambda allocates CPU power in proportion to the amount of
memory configured"; at 1,769 MB a function has the equivalent of one vCPU (AWS Lambda
Developer Guide, "Configure Lambda function memory"). So single-threaded work that
needs `cpu_ms` of one full vCPU takes about cpu_ms x 1769 / memory_mb below 1,769 MB and no
less above it; time spent waiting (network, a downstream) does not shrink with memory.
"""
from __future__ import annotations

from typing import Any, Iterable

from labkit import cost

FULL_VCPU_MB = 1769
MEMORY_SIZES_MB = (128, 256, 512, 1024, 1536, 1769, 2048, 3008)


def vcpus(memory_mb: float) -> float:
    """The CPU share AWS gives a function of `memory_mb` (1.0 = one full vCPU)."""
    return memory_mb / FULL_VCPU_MB


def modelled_duration_ms(cpu_ms: float, memory_mb: float, wait_ms: float = 0.0) -> float:
    """Duration of single-threaded work: `cpu_ms` of one full vCPU, plus `wait_ms` spent
    waiting. More than one vCPU does not help one thread."""
    if cpu_ms < 0 or wait_ms < 0 or memory_mb <= 0:
        raise ValueError("cpu_ms and wait_ms must be >= 0 and memory_mb > 0")
    return cpu_ms / min(1.0, vcpus(memory_mb)) + wait_ms


def monthly_lambda_usd(requests: float, duration_ms: float, memory_mb: float,
                       arch: str = "x86_64", free_tier: bool = False) -> float:
    """One month of an on-demand function (requests + GB-s), from labkit.cost."""
    return cost.lambda_cost(requests, duration_ms, memory_mb, arch=arch,
                            free_tier=free_tier).total_usd


def power_tuning_table(cpu_ms: float, wait_ms: float, requests_per_month: float,
                       memories: Iterable[float] = MEMORY_SIZES_MB, arch: str = "x86_64",
                       free_tier: bool = False):
    """Modelled duration and monthly cost at each memory size, as a DataFrame with columns
    memory_mb, duration_ms, monthly_usd, usd_per_million."""
    import pandas as pd

    rows = []
    for memory in memories:
        duration = modelled_duration_ms(cpu_ms, memory, wait_ms)
        monthly = monthly_lambda_usd(requests_per_month, duration, memory, arch, free_tier)
        per_million = monthly_lambda_usd(1_000_000, duration, memory, arch, free_tier=False)
        rows.append({"memory_mb": memory, "duration_ms": duration, "monthly_usd": monthly,
                     "usd_per_million": per_million})
    return pd.DataFrame(rows)


def cheapest_within(options, latency_ms: float, duration_column: str = "duration_ms",
                    cost_column: str = "monthly_usd"):
    """The cheapest row of `options` (a DataFrame) whose duration meets `latency_ms`, or
    None when no option is fast enough. Ties go to the faster option."""
    fast_enough = options[options[duration_column] <= latency_ms]
    if fast_enough.empty:
        return None
    return fast_enough.sort_values([cost_column, duration_column]).iloc[0]


def ingested_bytes(events: Iterable[Any]) -> int:
    """UTF-8 bytes of the messages of CloudWatch log events (dicts with "message", or
    strings). CloudWatch Logs bills ingestion by data volume; this is the message text,
    which every line Lambda writes (START/END/REPORT included) adds to."""
    total = 0
    for event in events:
        message = event["message"] if isinstance(event, dict) else str(event)
        total += len(message.encode("utf-8"))
    return total


def logs_monthly_usd(bytes_per_invocation: float, invocations_per_month: float,
                     free_tier: bool = False) -> float:
    """CloudWatch Logs ingestion for a month (1 GB counted as 1024^3 bytes here)."""
    gb = bytes_per_invocation * invocations_per_month / 1024 ** 3
    return cost.cloudwatch_logs_cost(gb, free_tier=free_tier).total_usd


def modelled_monthly_bill(monthly: dict[str, float], events: dict[str, list[dict]]) -> dict[str, float]:
    """The course model's monthly bill of some functions, from the log events of a run: each
    function scaled by its monthly invocations / the REPORT lines of the run; Lambda from the
    REPORT lines (INIT included), CloudWatch Logs from every event's bytes. What lab 07's
    checks compare a learner's bill with."""
    lambda_usd = logs_usd = 0.0
    for name, month in monthly.items():
        observed = len(cost.parse_reports(events[name]))
        lambda_usd += cost.cost_from_report_lines(events[name], scale=month / observed).total_usd
        logs_usd += logs_monthly_usd(ingested_bytes(events[name]) / observed, month)
    return {"lambda_usd": lambda_usd, "logs_usd": logs_usd, "total_usd": lambda_usd + logs_usd}


def state_transitions(history_events: Iterable[dict]) -> int:
    """Billed state transitions of one Standard execution, from GetExecutionHistory:
    every state entered, plus every retry of a task (a retry is one more transition,
    AWS Step Functions pricing page)."""
    events = [e["type"] for e in history_events]
    entered = sum(1 for t in events if t.endswith("StateEntered"))
    scheduled = sum(1 for t in events if t.endswith("Scheduled"))
    tasks_entered = sum(1 for t in events if t == "TaskStateEntered")
    return entered + max(0, scheduled - tasks_entered)


def per_period(count: float, seconds: float, period_s: float) -> float:
    """Scale `count` events seen in `seconds` to a period of `period_s` seconds."""
    if seconds <= 0:
        raise ValueError("seconds must be > 0")
    return count / seconds * period_s
