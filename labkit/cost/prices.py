"""The price table: every number the cost model uses, with where it came from and when.

Prices are AWS list prices for us-east-1 (N. Virginia), in US dollars, as published in
2026. Prices change: before trusting a total, open the source URL and compare. To update
a price, change it here (and PRICES_CHECKED); nothing else in labkit.cost holds a number.

Each price is written the way the pricing page writes it ("$0.20 per 1M requests" is
Price(0.20, per=1_000_000, unit="requests")), so you can check it against the page by eye.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# The day these prices were last compared with the pricing pages named beside each one.
# Printed next to every total.
PRICES_CHECKED = "2026-11-22"
REGION = "us-east-1"

LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
INIT_BILLING_BLOG = "https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/"
API_GATEWAY_PRICING = "https://aws.amazon.com/api-gateway/pricing/"
SQS_PRICING = "https://aws.amazon.com/sqs/pricing/"
SNS_PRICING = "https://aws.amazon.com/sns/pricing/"
DYNAMODB_PRICING = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
STEP_FUNCTIONS_PRICING = "https://aws.amazon.com/step-functions/pricing/"
EVENTBRIDGE_PRICING = "https://aws.amazon.com/eventbridge/pricing/"
CLOUDWATCH_PRICING = "https://aws.amazon.com/cloudwatch/pricing/"
VPC_PRICING = "https://aws.amazon.com/vpc/pricing/"


@dataclass(frozen=True)
class Price:
    """`usd` dollars for every `per` units of `unit`, e.g. $0.20 per 1,000,000 requests."""

    usd: float
    per: float
    unit: str
    source: str
    checked: str = PRICES_CHECKED

    def cost(self, quantity: float) -> float:
        return quantity / self.per * self.usd

    def describe(self) -> str:
        """As the pricing page says it: "$0.20 per 1M requests", "$0.045 per hour"."""
        per = "" if self.per == 1 else f"{self.per / 1e6:g}M " if self.per >= 1e6 \
            else f"{self.per:,.0f} "
        whole, _, cents = f"{self.usd:.10f}".rstrip("0").partition(".")
        return f"${whole}.{cents.ljust(2, '0')} per {per}{self.unit}"


@dataclass(frozen=True)
class Tier:
    """A volume tier: the next `size` units in a month cost `price` (size=inf: the rest)."""

    size: float
    price: Price


# ---------------------------------------------------------------- Lambda (on demand)
LAMBDA_REQUESTS = Price(0.20, 1_000_000, "requests", LAMBDA_PRICING)

# Duration is billed per GB-second (memory in GB x billed seconds, rounded up to 1 ms).
# The per-GB-second price falls as an account's monthly total on one architecture grows.
LAMBDA_X86_GB_S_FIRST_6B = Price(0.0000166667, 1, "GB-s", LAMBDA_PRICING)
LAMBDA_X86_GB_S_NEXT_9B = Price(0.000015, 1, "GB-s", LAMBDA_PRICING)
LAMBDA_X86_GB_S_OVER_15B = Price(0.0000133334, 1, "GB-s", LAMBDA_PRICING)
LAMBDA_ARM_GB_S_FIRST_7_5B = Price(0.0000133334, 1, "GB-s", LAMBDA_PRICING)
LAMBDA_ARM_GB_S_NEXT_11_25B = Price(0.0000120001, 1, "GB-s", LAMBDA_PRICING)
LAMBDA_ARM_GB_S_OVER_18_75B = Price(0.0000106667, 1, "GB-s", LAMBDA_PRICING)

LAMBDA_DURATION_TIERS = {
    "x86_64": (Tier(6e9, LAMBDA_X86_GB_S_FIRST_6B),
               Tier(9e9, LAMBDA_X86_GB_S_NEXT_9B),
               Tier(math.inf, LAMBDA_X86_GB_S_OVER_15B)),
    "arm64": (Tier(7.5e9, LAMBDA_ARM_GB_S_FIRST_7_5B),
              Tier(11.25e9, LAMBDA_ARM_GB_S_NEXT_11_25B),
              Tier(math.inf, LAMBDA_ARM_GB_S_OVER_18_75B)),
}

# Free every month, both architectures together; not for functions with provisioned
# concurrency enabled (LAMBDA_PRICING).
LAMBDA_FREE_REQUESTS = 1_000_000
LAMBDA_FREE_GB_S = 400_000

# Since 1 Aug 2025 the INIT phase (cold start) of on-demand ZIP functions on managed
# runtimes is billed like handler time (INIT_BILLING_BLOG). Before, it was free for them.
INIT_BILLED_SINCE = "2025-08-01"

# ---------------------------------------------------------------- Lambda provisioned concurrency
# Configured: memory x concurrency x time it is enabled (rounded up to 5 minutes).
# Executed: GB-s while it serves requests, at a lower rate than on-demand. Requests as usual.
# $0.0000041667 per GB-s is $0.015 per GB-hour (x 3,600).
PC_X86_CONFIGURED_GB_S = Price(0.0000041667, 1, "GB-s", LAMBDA_PRICING)
PC_X86_EXECUTED_GB_S = Price(0.0000097222, 1, "GB-s", LAMBDA_PRICING)
PC_ARM_CONFIGURED_GB_S = Price(0.0000033334, 1, "GB-s", LAMBDA_PRICING)
PC_ARM_EXECUTED_GB_S = Price(0.0000077778, 1, "GB-s", LAMBDA_PRICING)
PC_CONFIGURED = {"x86_64": PC_X86_CONFIGURED_GB_S, "arm64": PC_ARM_CONFIGURED_GB_S}
PC_EXECUTED = {"x86_64": PC_X86_EXECUTED_GB_S, "arm64": PC_ARM_EXECUTED_GB_S}
PC_BILLING_INCREMENT_S = 300

# ---------------------------------------------------------------- API Gateway
# (New accounts also get 1M calls/month free for 12 months: not modelled.)
HTTP_API_FIRST_300M = Price(1.00, 1_000_000, "requests", API_GATEWAY_PRICING)
HTTP_API_OVER_300M = Price(0.90, 1_000_000, "requests", API_GATEWAY_PRICING)
HTTP_API_TIERS = (Tier(300e6, HTTP_API_FIRST_300M), Tier(math.inf, HTTP_API_OVER_300M))
HTTP_API_METERING_KB = 512  # HTTP API requests are metered in 512 KB increments

REST_API_FIRST_333M = Price(3.50, 1_000_000, "requests", API_GATEWAY_PRICING)
REST_API_NEXT_667M = Price(2.80, 1_000_000, "requests", API_GATEWAY_PRICING)
REST_API_NEXT_19B = Price(2.38, 1_000_000, "requests", API_GATEWAY_PRICING)
REST_API_OVER_20B = Price(1.51, 1_000_000, "requests", API_GATEWAY_PRICING)
REST_API_TIERS = (Tier(333e6, REST_API_FIRST_333M), Tier(667e6, REST_API_NEXT_667M),
                  Tier(19e9, REST_API_NEXT_19B), Tier(math.inf, REST_API_OVER_20B))

# ---------------------------------------------------------------- SQS
# Every 64 KB chunk of a payload is one request. First 1M requests a month free.
# (First tier only: up to 100 billion requests a month.)
SQS_STANDARD_REQUESTS = Price(0.40, 1_000_000, "requests", SQS_PRICING)
SQS_FIFO_REQUESTS = Price(0.50, 1_000_000, "requests", SQS_PRICING)
SQS_FREE_REQUESTS = 1_000_000
SQS_CHUNK_KB = 64

# ---------------------------------------------------------------- SNS
# Publishes in 64 KB chunks; first 1M a month free; delivery to SQS and Lambda is free.
SNS_PUBLISHES = Price(0.50, 1_000_000, "publishes", SNS_PRICING)
SNS_FREE_PUBLISHES = 1_000_000
SNS_CHUNK_KB = 64

# ---------------------------------------------------------------- DynamoDB on-demand
# Since 1 Nov 2024 (on-demand throughput prices cut by 50%).
# A write request unit covers 1 KB written; a read request unit covers a strongly
# consistent read of 4 KB (or two eventually consistent ones); transactions cost double.
DYNAMODB_WRITE_UNITS = Price(0.625, 1_000_000, "write request units", DYNAMODB_PRICING)
DYNAMODB_READ_UNITS = Price(0.125, 1_000_000, "read request units", DYNAMODB_PRICING)
DYNAMODB_PRICES_SINCE = "2024-11-01"
DYNAMODB_WRITE_UNIT_KB = 1
DYNAMODB_READ_UNIT_KB = 4

# ---------------------------------------------------------------- Step Functions
SFN_STANDARD_TRANSITIONS = Price(0.025, 1_000, "state transitions", STEP_FUNCTIONS_PRICING)
SFN_STANDARD_FREE_TRANSITIONS = 4_000
SFN_EXPRESS_REQUESTS = Price(1.00, 1_000_000, "requests", STEP_FUNCTIONS_PRICING)
# Express duration: memory rounded up to 64 MB, duration rounded up to 100 ms;
# tiers of 1,000 and 4,000 GB-hours (3.6M and 14.4M GB-s) a month.
SFN_EXPRESS_GB_S_FIRST_1K_GB_H = Price(0.00001667, 1, "GB-s", STEP_FUNCTIONS_PRICING)
SFN_EXPRESS_GB_S_NEXT_4K_GB_H = Price(0.00000833, 1, "GB-s", STEP_FUNCTIONS_PRICING)
SFN_EXPRESS_GB_S_OVER_5K_GB_H = Price(0.00000456, 1, "GB-s", STEP_FUNCTIONS_PRICING)
SFN_EXPRESS_DURATION_TIERS = (Tier(1_000 * 3600, SFN_EXPRESS_GB_S_FIRST_1K_GB_H),
                              Tier(4_000 * 3600, SFN_EXPRESS_GB_S_NEXT_4K_GB_H),
                              Tier(math.inf, SFN_EXPRESS_GB_S_OVER_5K_GB_H))
SFN_EXPRESS_MEMORY_STEP_MB = 64
SFN_EXPRESS_DURATION_STEP_MS = 100

# ---------------------------------------------------------------- EventBridge
# Custom events put on a bus; every 64 KB chunk of an event is one event.
EVENTBRIDGE_CUSTOM_EVENTS = Price(1.00, 1_000_000, "events", EVENTBRIDGE_PRICING)
EVENTBRIDGE_CHUNK_KB = 64

# ---------------------------------------------------------------- CloudWatch Logs
# Standard log class ingestion; 5 GB a month free (shared with archive and queries).
CLOUDWATCH_LOGS_INGESTED_GB = Price(0.50, 1, "GB", CLOUDWATCH_PRICING)
CLOUDWATCH_LOGS_FREE_GB = 5
# Logs Insights queries ("Analyze"): every GB a query scans, which is every event of the log
# groups and time range it names, matched or not (standard and infrequent-access classes alike).
CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB = Price(0.005, 1, "GB scanned", CLOUDWATCH_PRICING)

# ---------------------------------------------------------------- NAT Gateway
# Billed every hour it exists, used or not, plus every GB it processes.
NAT_GATEWAY_HOURS = Price(0.045, 1, "hour", VPC_PRICING)
NAT_GATEWAY_DATA_GB = Price(0.045, 1, "GB processed", VPC_PRICING)

# AWS prices a month as 730 hours. The seeds count traffic per 30-day month.
HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30

# Every price above, for `labkit cost prices` style listings and the lesson's table.
PRICE_TABLE: dict[str, Price] = {
    name: value for name, value in sorted(globals().items()) if isinstance(value, Price)
}
