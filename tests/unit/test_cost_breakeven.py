"""Serverless vs a fixed-price VPS: the break-even request rate."""
import pytest

from labkit import cost

X86_GB_S = 0.0000166667
REQUEST = 0.20 / 1_000_000


def test_break_even_of_a_bare_function_against_a_4_49_vps():
    """Without API Gateway or free tier, a 100 ms / 128 MB request costs
    $0.20/1M + 0.1 s x 0.125 GB x $0.0000166667 = $4.0833e-7; over 30 days the bill
    reaches $4.49 at 4.49 / (30 x 4.0833e-7) = ~366,530 requests/day."""
    per_request = REQUEST + 0.1 * 0.125 * X86_GB_S
    expected = 4.49 / (30 * per_request)
    found = cost.break_even_requests_per_day(4.49, duration_ms=100, memory_mb=128, api=None,
                                             free_tier=False)
    assert found == pytest.approx(expected, abs=2)
    assert 366_000 < found < 367_000


def test_comparison_names_the_cheaper_side():
    below = cost.serverless_vs_vps(100_000, 4.49, duration_ms=100, memory_mb=128, api=None,
                                   free_tier=False)
    above = cost.serverless_vs_vps(500_000, 4.49, duration_ms=100, memory_mb=128, api=None,
                                   free_tier=False)
    assert below.cheaper == "serverless" and above.cheaper == "vps"
    assert below.serverless_usd == pytest.approx(100_000 * 30 * (REQUEST + 0.1 * 0.125 * X86_GB_S))


def test_a_nat_gateway_alone_can_cost_more_than_the_server():
    """A NAT Gateway bills 730 h x $0.045 = $32.85 a month with no traffic: above a $17.49
    VPS before the first request, so the break-even is 0 requests/day."""
    nat = [lambda n: cost.nat_gateway_cost()]
    assert cost.break_even_requests_per_day(17.49, duration_ms=200, memory_mb=512,
                                            extras=nat) == 0


def test_no_break_even_within_the_range_searched():
    assert cost.break_even_requests_per_day(1e6, duration_ms=1, memory_mb=128,
                                            max_requests_per_day=1_000) is None


def test_api_gateway_is_included_by_default():
    """HTTP API adds $1.00 per 1M requests: 100,000/day x 30 = 3M -> $3.00."""
    bill = cost.serverless_monthly_cost(100_000, duration_ms=100, memory_mb=128, free_tier=False)
    assert bill.usd("API Gateway") == pytest.approx(3.00)
