"""Helpers for lesson 07 (cost) and its lab: the power-tuning model, log volume, state
transitions, and the lesson's tables (its two live plots are in cost_figures.py). Prices always
come from labkit.cost; nothing here holds a price.

The power-tuning model. AWS: "Lambda allocates CPU power in proportion to the amount of
memory configured"; at 1,769 MB a function has the equivalent of one vCPU (AWS Lambda
Developer Guide, "Configure Lambda function memory"). So single-threaded work that
needs `cpu_ms` of one full vCPU takes about cpu_ms x 1769 / memory_mb below 1,769 MB and no
less above it; time spent waiting (network, a downstream) does not shrink with memory.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

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


def usd(x: float) -> str:
    """Dollars for a table or a sentence: cents, or six decimals for less than a cent."""
    return f"${x:,.2f}" if abs(x) >= 0.01 or x == 0 else f"${x:,.6f}"


def send_in_bursts(call: Callable[[int], Any], plan: Iterable[tuple[str, int]],
                   label: str = "invoking") -> int:
    """Run ``plan``, e.g. [("burst", 5), ("sequential", 25)]: a burst makes its n calls at the
    same time (so it needs n execution environments), sequential ones wait for each other.
    ``call(i)`` gets a running number; -> how many calls were made."""
    from labkit.lessons.progress_bar import Progress

    plan = list(plan)
    sent = 0
    with Progress(sum(n for _, n in plan), label) as progress, ThreadPoolExecutor(
            max(n for _, n in plan)) as pool:
        for kind, n in plan:
            numbers = range(sent, sent + n)
            if kind == "burst":
                list(pool.map(call, numbers))
            elif kind == "sequential":
                for i in numbers:
                    call(i)
            else:
                raise ValueError(f"a step is a burst or sequential, not {kind!r}")
            sent += n
            progress.step(n)
    return sent


# -- section 1: what billing INIT changes --------------------------------------------------------

def init_share_of_gb_s(reports) -> float:
    """INIT's share of the GB-seconds of the REPORT lines (a DataFrame from read_report_lines).
    On AWS since August 2025, as on the embedded backend, INIT is inside Billed Duration."""
    gb = reports["memory_mb"] / 1024
    return float((reports["init_ms"].fillna(0) / 1000 * gb).sum()
                 / (reports["billed_ms"] / 1000 * gb).sum())


def init_billing_table(reports, monthly_requests: float, memory_mb: float,
                       cold_shares: Iterable[float]):
    """A month of the function at each cold-start share, with INIT billed (as since 1 August
    2025) and not (before): the mean billed time of a request mixes the run's mean cold and
    warm Billed Durations in that proportion. No free tier."""
    import pandas as pd

    warm, cold = reports[~reports.cold], reports[reports.cold]
    rows = []
    for share in cold_shares:
        for bill_init in (True, False):
            per_cold_ms = (cold.billed_ms if bill_init else cold.billed_ms - cold.init_ms).mean()
            mean_billed = share * per_cold_ms + (1 - share) * warm.billed_ms.mean()
            bill = cost.lambda_usage_cost(
                monthly_requests, monthly_requests * mean_billed / 1000 * memory_mb / 1024,
                free_tier=False)
            rows.append({"cold-start share": f"{share:.0%}",
                         "INIT billed": "yes (since 1 Aug 2025)" if bill_init else "no (before)",
                         "monthly USD": round(bill.total_usd, 2)})
    return pd.DataFrame(rows)


# -- section 2: the memory sweep -----------------------------------------------------------------

def memory_sweep_table(reports_by_memory: dict, cpu_rows: list[dict]):
    """-> (table, cpu_ms). Per memory size, the median Duration and Billed Duration of the
    REPORT lines and the CPU time the handler measured itself; next to them the modelled
    duration of ``cpu_ms`` (the median CPU time the work needs) and the price per million
    invocations, measured and modelled."""
    import pandas as pd

    reports = pd.concat([frame.assign(memory_mb=m) for m, frame in reports_by_memory.items()])
    cpu = pd.DataFrame(cpu_rows)
    table = (reports.groupby("memory_mb")
             .agg(duration_ms=("duration_ms", "median"), billed_ms=("billed_ms", "median"))
             .join(cpu.groupby("memory_mb").agg(cpu_ms=("cpu_ms", "median"))))
    cpu_ms = float(cpu["cpu_ms"].median())
    table["modelled_ms"] = [modelled_duration_ms(cpu_ms, m) for m in table.index]
    for kind, column in (("measured", "duration_ms"), ("modelled", "modelled_ms")):
        table[f"usd_per_million ({kind})"] = [monthly_lambda_usd(1e6, d, m)
                                              for m, d in table[column].items()]
    return table, cpu_ms


def flat_monthly(label: str, usd_per_month: float) -> Callable[[float], Any]:
    """An extra for labkit.cost.serverless_monthly_cost: a monthly charge that does not depend
    on the traffic (a seed's estimate given without its inputs)."""
    return lambda requests: cost.CostBreakdown(label, [cost.LineItem("other", label, 1, "month",
                                                                     usd_per_month)])


def per_request(label: str, usd_per_million: float) -> Callable[[float], Any]:
    """An extra for labkit.cost.serverless_monthly_cost: a charge per request (DynamoDB, logs,
    ...) at ``usd_per_million``."""
    return lambda n: cost.CostBreakdown("other", [cost.LineItem(
        "other", label, n, "requests", n / 1e6 * usd_per_million)])



# -- section 4: the cost traps -------------------------------------------------------------------

def queue_triggered_function(lam, sqs, name: str, source: str, env: dict | None = None,
                             timeout_s: int = 5, memory_mb: int = 128, **queue) -> tuple[str, str]:
    """A queue ``name`` (make_queue's settings: visibility_s, dlq_arn, max_receive), a function
    ``name`` running ``source`` with the queue's URL in QUEUE_URL, and an event source mapping
    (one message per invocation) from the queue to it, once Enabled. -> (function, queue URL)."""
    from labkit.deploy import deploy_function
    from labkit.lessons.queues import connect_queue, make_queue

    url, arn = make_queue(sqs, name, **queue)
    deploy_function(lam, name, source, Timeout=timeout_s, MemorySize=memory_mb,
                    Environment={"Variables": {"QUEUE_URL": url, **(env or {})}})
    connect_queue(lam, name, arn, BatchSize=1)
    return name, url


def outage_bill(storm_table, orders: float, timeout_s: float, memory_mb: float):
    """What an outage costs with each retry setup (rows of ``storm_table``: calls per order and
    invocations per order, as measured): every call waits ``timeout_s`` and is billed at
    ``memory_mb``; SQS takes one send per order and one receive plus one delete (or return)
    per invocation. No free tier."""
    import pandas as pd

    rows = []
    for label, row in storm_table.iterrows():
        invocations = orders * row["invocations per order"]
        seconds_per_invocation = row["calls per order"] / row["invocations per order"] * timeout_s
        bill = (cost.lambda_cost(invocations, seconds_per_invocation * 1000, memory_mb, free_tier=False)
                + cost.sqs_cost(invocations * 2 + orders, free_tier=False))
        rows.append({"setup": label, "downstream calls": orders * row["calls per order"],
                     "invocations": invocations, "USD for the outage": round(bill.total_usd, 2)})
    return pd.DataFrame(rows).set_index("setup")


def log_level_bills(events_by_level: dict[str, list[dict]], invocations: int,
                    monthly_requests: float):
    """Per log level, a month of the function and of its logs, from the log events of
    ``invocations`` runs: Lambda from the REPORT lines, CloudWatch Logs from every event's
    bytes (START/END/REPORT included)."""
    import pandas as pd

    rows = []
    for level, events in events_by_level.items():
        per_invocation = ingested_bytes(events) / invocations
        lambda_month = cost.cost_from_report_lines(events, scale=monthly_requests / invocations).total_usd
        logs_month = logs_monthly_usd(per_invocation, monthly_requests)
        rows.append({"log level": level, "bytes per invocation": round(per_invocation),
                     "Lambda USD/month": round(lambda_month, 2), "Logs USD/month": round(logs_month, 2),
                     "logs / Lambda": round(logs_month / lambda_month, 1)})
    return pd.DataFrame(rows).set_index("log level")
