"""Logs Insights queries are billed per GB scanned ($0.005 per GB, us-east-1, CloudWatch pricing
page): the figures below are worked out by hand."""
from __future__ import annotations

import pytest

from labkit.cost import prices
from labkit.cost.services import logs_insights_cost


def test_price_is_sourced_dated_and_reads_like_the_pricing_page():
    price = prices.CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB
    assert (price.usd, price.per, price.unit) == (0.005, 1, "GB scanned")
    assert price.source == "https://aws.amazon.com/cloudwatch/pricing/"
    assert price.checked == prices.PRICES_CHECKED
    assert price.describe() == "$0.005 per GB scanned"
    assert prices.PRICE_TABLE["CLOUDWATCH_LOGS_INSIGHTS_SCANNED_GB"] is price


def test_one_query_over_ten_gb():
    # 10 GB x $0.005 = $0.05
    bill = logs_insights_cost(10)
    assert bill.total_usd == pytest.approx(0.05)
    [item] = bill.items
    assert (item.service, item.quantity, item.unit, item.free) == ("CloudWatch Logs", 10, "GB", 0)


def test_a_dashboard_refreshing_every_five_minutes_for_a_month():
    # 12 refreshes an hour x 24 h x 30 days = 8,640 queries; each scans the last day of logs,
    # 2 GB: 17,280 GB scanned x $0.005 = $86.40 a month
    bill = logs_insights_cost(2, queries=12 * 24 * 30)
    assert bill.items[0].quantity == pytest.approx(17_280)
    assert bill.total_usd == pytest.approx(86.40)


def test_a_small_query_costs_a_small_fraction_of_a_cent():
    # 5,000 bytes = 5,000 / 1024^3 GB = 4.6566e-6 GB; x $0.005 = $2.3283e-8
    bill = logs_insights_cost(5_000 / 1024 ** 3)
    assert bill.total_usd == pytest.approx(2.3283e-8, rel=1e-4)


def test_free_tier_is_not_applied_and_negative_input_is_refused():
    assert "free tier" in " ".join(logs_insights_cost(1).notes)
    with pytest.raises(ValueError):
        logs_insights_cost(-1)
    with pytest.raises(ValueError):
        logs_insights_cost(1, queries=-2)
