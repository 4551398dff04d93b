"""Prices of the services around a function (us-east-1 list prices from each service's AWS pricing page)."""
import math

import pytest

from labkit import cost
from labkit.cost import prices


def test_api_gateway_http_and_rest():
    """HTTP API $1.00 per 1M (first 300M), REST API $3.50 per 1M (first 333M)
    (aws.amazon.com/api-gateway/pricing). 3M requests: $3.00 vs $10.50."""
    assert cost.api_gateway_cost(3_000_000).total_usd == pytest.approx(3.00)
    assert cost.api_gateway_cost(3_000_000, kind="rest").total_usd == pytest.approx(10.50)


def test_api_gateway_http_tier_and_512kb_metering():
    """HTTP API: $0.90 per 1M over 300M; requests "metered in 512 KB increments", so a
    600 KB request counts twice."""
    assert cost.api_gateway_cost(400_000_000).total_usd == pytest.approx(300 * 1.00 + 100 * 0.90)
    assert cost.api_gateway_cost(1_000_000, payload_kb=600).total_usd == pytest.approx(2.00)


def test_sqs_64kb_chunks_fifo_and_free_tier():
    """SQS: $0.40 per 1M standard, $0.50 FIFO, every 64 KB chunk is a request, first 1M
    requests a month free (aws.amazon.com/sqs/pricing). 3M sends of 100 KB = 6M requests."""
    assert cost.sqs_cost(3_000_000, payload_kb=100).total_usd == pytest.approx(5 * 0.40)
    assert cost.sqs_cost(3_000_000, payload_kb=100, free_tier=False).total_usd == pytest.approx(6 * 0.40)
    assert cost.sqs_cost(3_000_000, fifo=True, free_tier=False).total_usd == pytest.approx(3 * 0.50)
    assert cost.sqs_cost(1_000_000).total_usd == 0


def test_sns_publishes_and_free_delivery():
    """SNS $0.50 per 1M publishes, first 1M free; delivery to SQS/Lambda free."""
    assert cost.sns_cost(3_000_000).total_usd == pytest.approx(2 * 0.50)
    assert cost.sns_cost(1_000_000, payload_kb=65, free_tier=False).total_usd == pytest.approx(2 * 0.50)


def test_dynamodb_on_demand_since_november_2024():
    """On-demand: $0.625 per 1M write units, $0.125 per 1M read units since 1 Nov 2024
    (aws.amazon.com/dynamodb/pricing). A 3 KB item: a write is 3 WRU, a strongly
    consistent read 1 RRU, an eventually consistent read 0.5 RRU, transactions double."""
    assert cost.dynamodb_request_units(writes=1, reads=1, item_kb=3, strongly_consistent=True) == (3, 1)
    assert cost.dynamodb_request_units(reads=1, item_kb=3) == (0, 0.5)
    assert cost.dynamodb_request_units(writes=1, reads=1, item_kb=3, transactional=True) == (6, 2)
    bill = cost.dynamodb_cost(write_units=2_000_000, read_units=4_000_000)
    assert bill.total_usd == pytest.approx(2 * 0.625 + 4 * 0.125)


def test_step_functions_express_rounds_memory_to_64mb_and_time_to_100ms():
    """Express: $1.00 per 1M requests + $0.00001667 per GB-s, memory rounded up to 64 MB
    and duration up to 100 ms. 1,000 runs of 150 ms at 100 MB bill 200 ms at 128 MB:
    1,000 x 0.2 s x 0.125 GB = 25 GB-s."""
    bill = cost.step_functions_express_cost(1_000, duration_ms=150, memory_mb=100)
    assert bill.total_usd == pytest.approx(1_000 * 1e-6 + 25 * 0.00001667)


def test_step_functions_express_duration_tiers():
    """Express duration tiers: first 1,000 GB-hours (3.6M GB-s), next 4,000 GB-hours.
    1M runs x 10 s x 0.5 GB = 5M GB-s = 3.6M at $0.00001667 + 1.4M at $0.00000833."""
    bill = cost.step_functions_express_cost(1_000_000, duration_ms=10_000, memory_mb=512)
    assert bill.usd("Step Functions", "duration") == pytest.approx(3.6e6 * 0.00001667 + 1.4e6 * 0.00000833)


def test_standard_workflow_free_transitions():
    """Standard: 4,000 transitions free a month, then $0.025 per 1,000."""
    assert cost.step_functions_standard_cost(4_000).total_usd == 0
    assert cost.step_functions_standard_cost(14_000).total_usd == pytest.approx(0.25)


def test_eventbridge_logs_and_nat():
    """EventBridge $1.00 per 1M custom events (64 KB chunks); CloudWatch Logs $0.50 per GB
    ingested (5 GB free); NAT Gateway $0.045 per hour + $0.045 per GB."""
    assert cost.eventbridge_cost(2_000_000, payload_kb=70).total_usd == pytest.approx(4.00)
    assert cost.cloudwatch_logs_cost(25).total_usd == pytest.approx(20 * 0.50)
    assert cost.cloudwatch_logs_cost(25, free_tier=False).total_usd == pytest.approx(12.50)
    assert cost.nat_gateway_cost(gb_processed=100).total_usd == pytest.approx(730 * 0.045 + 100 * 0.045)


def test_every_price_is_sourced_and_dated():
    """Every price names an aws.amazon.com pricing source and the date it was checked."""
    assert len(prices.PRICE_TABLE) >= 30
    for name, price in prices.PRICE_TABLE.items():
        assert price.source.startswith("https://aws.amazon.com/"), name
        assert price.checked == prices.PRICES_CHECKED, name
        assert price.usd > 0 and price.per >= 1, name
    assert prices.PRICES_CHECKED.startswith("2026-")


def test_tiers_are_contiguous_and_end_open():
    for tiers in [*prices.LAMBDA_DURATION_TIERS.values(), prices.HTTP_API_TIERS,
                  prices.REST_API_TIERS, prices.SFN_EXPRESS_DURATION_TIERS]:
        assert math.isinf(tiers[-1].size)
        assert all(a.price.usd > b.price.usd for a, b in zip(tiers, tiers[1:]))


def test_bills_add_up():
    total = cost.sqs_cost(3_000_000, free_tier=False) + cost.sns_cost(3_000_000, free_tier=False)
    assert total.total_usd == pytest.approx(3 * 0.40 + 3 * 0.50)
    assert {i.service for i in total.items} == {"SQS", "SNS"}
