"""What the services around a function cost: API Gateway, SQS, SNS, DynamoDB, Step
Functions, EventBridge, CloudWatch Logs (ingestion, Logs Insights queries), NAT Gateway. One
function per service, each returning a CostBreakdown for one month."""
from __future__ import annotations

import math

from labkit.cost import prices as p
from labkit.cost.breakdown import CostBreakdown, LineItem, take_free, tiered_items


def chunks(payload_kb: float, chunk_kb: float) -> int:
    """How many billing chunks one message of `payload_kb` is (at least one)."""
    return max(1, math.ceil(payload_kb / chunk_kb))


def api_gateway_cost(requests: float, kind: str = "http", payload_kb: float = 1) -> CostBreakdown:
    """API Gateway requests. kind="http" (HTTP API, metered per 512 KB) or "rest" (REST API)."""
    _check(requests=requests, payload_kb=payload_kb)
    if kind == "http":
        metered = requests * chunks(payload_kb, p.HTTP_API_METERING_KB)
        items = tiered_items("API Gateway", "HTTP API requests", metered, p.HTTP_API_TIERS)
    elif kind == "rest":
        items = tiered_items("API Gateway", "REST API requests", requests, p.REST_API_TIERS)
    else:
        raise ValueError(f"kind must be 'http' or 'rest', not {kind!r}")
    return CostBreakdown(f"API Gateway {kind.upper()}: {requests:,.0f} requests", items,
                         ["the 12-month free tier of new accounts is not applied"])


def sqs_cost(requests: float, fifo: bool = False, payload_kb: float = 1,
             free_tier: bool = True) -> CostBreakdown:
    """SQS API requests (every send, receive, delete and empty poll counts), per 64 KB chunk."""
    _check(requests=requests, payload_kb=payload_kb)
    price = p.SQS_FIFO_REQUESTS if fifo else p.SQS_STANDARD_REQUESTS
    billed = requests * chunks(payload_kb, p.SQS_CHUNK_KB)
    billable, free = take_free(billed, p.SQS_FREE_REQUESTS if free_tier else 0)
    kind = "FIFO" if fifo else "standard"
    return CostBreakdown(f"SQS {kind}: {requests:,.0f} requests of {payload_kb:g} KB",
                         [LineItem("SQS", f"{kind} requests (64 KB chunks)", billed, "requests",
                                   price.cost(billable), price, free)])


def sns_cost(publishes: float, payload_kb: float = 1, free_tier: bool = True) -> CostBreakdown:
    """SNS publishes, per 64 KB chunk. Deliveries to SQS queues and Lambda functions are free."""
    _check(publishes=publishes, payload_kb=payload_kb)
    billed = publishes * chunks(payload_kb, p.SNS_CHUNK_KB)
    billable, free = take_free(billed, p.SNS_FREE_PUBLISHES if free_tier else 0)
    return CostBreakdown(f"SNS: {publishes:,.0f} publishes of {payload_kb:g} KB",
                         [LineItem("SNS", "publishes (64 KB chunks)", billed, "publishes",
                                   p.SNS_PUBLISHES.cost(billable), p.SNS_PUBLISHES, free)],
                         ["deliveries to SQS and Lambda are free"])


def dynamodb_request_units(writes: float = 0, reads: float = 0, item_kb: float = 1,
                           strongly_consistent: bool = False,
                           transactional: bool = False) -> tuple[float, float]:
    """(write units, read units) for `writes` and `reads` of items of `item_kb`.
    A write unit covers 1 KB; a read unit a strongly consistent 4 KB read (an eventually
    consistent read costs half); transactional reads and writes cost double."""
    write_units = writes * math.ceil(item_kb / p.DYNAMODB_WRITE_UNIT_KB)
    read_units = reads * math.ceil(item_kb / p.DYNAMODB_READ_UNIT_KB)
    if not strongly_consistent and not transactional:
        read_units /= 2
    if transactional:
        write_units, read_units = write_units * 2, read_units * 2
    return write_units, read_units


def dynamodb_cost(write_units: float = 0, read_units: float = 0) -> CostBreakdown:
    """DynamoDB on-demand request units (prices since 1 Nov 2024). Storage not included.
    Turn item reads and writes into units with dynamodb_request_units()."""
    _check(write_units=write_units, read_units=read_units)
    items = [LineItem("DynamoDB", "write request units", write_units, "WRU",
                      p.DYNAMODB_WRITE_UNITS.cost(write_units), p.DYNAMODB_WRITE_UNITS),
             LineItem("DynamoDB", "read request units", read_units, "RRU",
                      p.DYNAMODB_READ_UNITS.cost(read_units), p.DYNAMODB_READ_UNITS)]
    return CostBreakdown(f"DynamoDB on-demand: {write_units:,.0f} WRU, {read_units:,.0f} RRU",
                         items, ["storage and the provisioned-capacity free tier not included"])


def step_functions_standard_cost(transitions: float, free_tier: bool = True) -> CostBreakdown:
    """Standard workflows: every state transition is billed (each retry is one more)."""
    _check(transitions=transitions)
    billable, free = take_free(transitions, p.SFN_STANDARD_FREE_TRANSITIONS if free_tier else 0)
    price = p.SFN_STANDARD_TRANSITIONS
    return CostBreakdown(f"Step Functions Standard: {transitions:,.0f} state transitions",
                         [LineItem("Step Functions", "standard state transitions", transitions,
                                   "state transitions", price.cost(billable), price, free)])


def step_functions_express_cost(executions: float, duration_ms: float,
                                memory_mb: float = 64) -> CostBreakdown:
    """Express workflows: requests + GB-s (memory rounded up to 64 MB, time to 100 ms)."""
    _check(executions=executions, duration_ms=duration_ms, memory_mb=memory_mb)
    step_mb, step_ms = p.SFN_EXPRESS_MEMORY_STEP_MB, p.SFN_EXPRESS_DURATION_STEP_MS
    billed_mb = max(1, math.ceil(memory_mb / step_mb)) * step_mb
    billed_ms = math.ceil(duration_ms / step_ms) * step_ms
    gb_s = executions * billed_ms / 1000 * billed_mb / 1024
    items = [LineItem("Step Functions", "express requests", executions, "requests",
                      p.SFN_EXPRESS_REQUESTS.cost(executions), p.SFN_EXPRESS_REQUESTS)]
    items += tiered_items("Step Functions", "express duration", gb_s, p.SFN_EXPRESS_DURATION_TIERS)
    return CostBreakdown(f"Step Functions Express: {executions:,.0f} executions x "
                         f"{duration_ms:g} ms at {memory_mb:g} MB", items)


def eventbridge_cost(events: float, payload_kb: float = 1) -> CostBreakdown:
    """Custom events put on an event bus, per 64 KB chunk."""
    _check(events=events, payload_kb=payload_kb)
    billed = events * chunks(payload_kb, p.EVENTBRIDGE_CHUNK_KB)
    price = p.EVENTBRIDGE_CUSTOM_EVENTS
    return CostBreakdown(f"EventBridge: {events:,.0f} custom events of {payload_kb:g} KB",
                         [LineItem("EventBridge", "custom events (64 KB chunks)", billed,
                                   "events", price.cost(billed), price)])


def cloudwatch_logs_cost(gb_ingested: float, free_tier: bool = True) -> CostBreakdown:
    """CloudWatch Logs ingestion (standard class). Storage and queries not included."""
    _check(gb_ingested=gb_ingested)
    billable, free = take_free(gb_ingested, p.CLOUDWATCH_LOGS_FREE_GB if free_tier else 0)
    price = p.CLOUDWATCH_LOGS_INGESTED_GB
    return CostBreakdown(f"CloudWatch Logs: {gb_ingested:,.3f} GB ingested",
                         [LineItem("CloudWatch Logs", "ingestion", gb_ingested, "GB",
                                   price.cost(billable), price, free)])


def logs_insights_cost(gb_scanned: float, queries: float = 1) -> CostBreakdown:
    """CloudWatch Logs Insights: `queries` runs, each scanning `gb_scanned` GB (every event of
    the log groups and time range a query names, not only what it matches). The 5 GB a month
    free tier is shared with ingestion and storage, so it is not applied here."""
    _check(gb_scanned=gb_scanned, queries=queries)
    scanned = gb_scanned * queries
    price = p.CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB
    return CostBreakdown(f"Logs Insights: {queries:,.0f} queries x {gb_scanned:,.3f} GB scanned",
                         [LineItem("CloudWatch Logs", "Logs Insights data scanned", scanned,
                                   "GB", price.cost(scanned), price)],
                         ["the 5 GB a month free tier (shared with ingestion) is not applied"])


def nat_gateway_cost(gb_processed: float = 0, hours: float = p.HOURS_PER_MONTH,
                     gateways: int = 1) -> CostBreakdown:
    """NAT Gateway: every hour it exists (a whole month by default) + every GB through it."""
    _check(gb_processed=gb_processed, hours=hours, gateways=gateways)
    gateway_hours = hours * gateways
    items = [LineItem("NAT Gateway", "gateway hours", gateway_hours, "hours",
                      p.NAT_GATEWAY_HOURS.cost(gateway_hours), p.NAT_GATEWAY_HOURS),
             LineItem("NAT Gateway", "data processed", gb_processed, "GB",
                      p.NAT_GATEWAY_DATA_GB.cost(gb_processed), p.NAT_GATEWAY_DATA_GB)]
    return CostBreakdown(f"NAT Gateway: {gateways} x {hours:g} h, {gb_processed:,.1f} GB", items)


def _check(**values: float) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative ({value})")
