"""Lambda on-demand and provisioned concurrency pricing. Expected values are worked out
by hand from aws.amazon.com/lambda/pricing (us-east-1)."""
import pytest

from labkit import cost

X86_TIER_1, X86_TIER_2, X86_TIER_3 = 0.0000166667, 0.000015, 0.0000133334
ARM_TIER_1, ARM_TIER_2 = 0.0000133334, 0.0000120001
REQUEST = 0.20 / 1_000_000


def test_free_tier_covers_1m_requests_and_400k_gb_s():
    """"The free tier includes one million requests and 400,000 GB-seconds per month"
    (aws.amazon.com/lambda/pricing). 2M requests x 1 s x 1 GB = 2M GB-s: with the free
    tier 1M requests and 1.6M GB-s are billed, without it all of them."""
    with_free = cost.lambda_cost(2_000_000, 1000, 1024)
    without = cost.lambda_cost(2_000_000, 1000, 1024, free_tier=False)
    assert with_free.total_usd == pytest.approx(1_000_000 * REQUEST + 1_600_000 * X86_TIER_1)
    assert without.total_usd == pytest.approx(2_000_000 * REQUEST + 2_000_000 * X86_TIER_1)
    assert without.total_usd - with_free.total_usd == pytest.approx(0.20 + 400_000 * X86_TIER_1)


def test_arm_costs_20_percent_less_per_gb_s():
    """Arm duration is $0.0000133334 per GB-s against $0.0000166667 on x86 (both first
    tier); requests cost the same. 1M x 500 ms x 2 GB = 1M GB-s."""
    x86 = cost.lambda_cost(1_000_000, 500, 2048, free_tier=False)
    arm = cost.lambda_cost(1_000_000, 500, 2048, arch="arm64", free_tier=False)
    assert x86.usd("Lambda", "duration") == pytest.approx(1_000_000 * X86_TIER_1)
    assert arm.usd("Lambda", "duration") == pytest.approx(1_000_000 * ARM_TIER_1)
    assert arm.usd("Lambda", "requests") == x86.usd("Lambda", "requests") == pytest.approx(0.20)
    assert ARM_TIER_1 / X86_TIER_1 == pytest.approx(0.8, abs=1e-5)


def test_duration_is_rounded_up_to_the_next_millisecond():
    """"Duration is ... rounded up to the nearest 1 ms" (aws.amazon.com/lambda/pricing):
    1,000 invocations of 1.2 ms at 1024 MB bill 2 ms each = 2 GB-s, not 1.2."""
    bill = cost.lambda_cost(1_000, 1.2, 1024, free_tier=False)
    assert bill.usd("Lambda", "duration") == pytest.approx(2.0 * X86_TIER_1)


def test_init_phase_is_billed_since_august_2025():
    """"Effective August 1, 2025 ... INIT phase" billed for on-demand ZIP functions on
    managed runtimes (AWS Compute Blog, "AWS Lambda standardizes billing for INIT phase").
    1M requests of 100 ms at 512 MB, 1% cold (10,000) with 800 ms INIT: INIT adds
    10,000 x 0.8 s x 0.5 GB = 4,000 GB-s = $0.0667; the old rule (bill_init=False) omits it."""
    args = dict(requests=1_000_000, duration_ms=100, memory_mb=512, free_tier=False,
                cold_starts=10_000, init_ms=800)
    billed = cost.lambda_cost(**args)
    old_rule = cost.lambda_cost(**args, bill_init=False)
    init_usd = 10_000 * 0.8 * 0.5 * X86_TIER_1
    handler_usd = 1_000_000 * 0.1 * 0.5 * X86_TIER_1
    assert billed.usd("Lambda", "INIT") == pytest.approx(init_usd)
    assert billed.total_usd == pytest.approx(0.20 + handler_usd + init_usd)
    assert old_rule.total_usd == pytest.approx(0.20 + handler_usd)
    assert any("INIT phase not billed" in n for n in old_rule.notes)


def test_free_gb_s_cover_the_handler_first_then_init():
    """The free 400,000 GB-s cover handler and INIT time together: 300,000 handler GB-s
    (600K x 500 ms x 1 GB) + 200,000 INIT GB-s (200K cold x 1 s x 1 GB) -> 100,000 billed,
    all of them INIT."""
    bill = cost.lambda_cost(600_000, 500, 1024, cold_starts=200_000, init_ms=1000)
    assert bill.usd("Lambda", "handler") == 0
    assert bill.usd("Lambda", "INIT") == pytest.approx(100_000 * X86_TIER_1)


def test_x86_duration_tier_boundary_at_6_billion_gb_s():
    """x86: first 6B GB-s a month at $0.0000166667, next 9B at $0.000015, over 15B at
    $0.0000133334. 7B GB-s (7M requests x 1,000 s x 1 GB, no free tier) =
    6B x tier 1 + 1B x tier 2."""
    bill = cost.lambda_cost(7_000_000, 1_000_000, 1024, free_tier=False)
    expected = 6e9 * X86_TIER_1 + 1e9 * X86_TIER_2
    assert bill.usd("Lambda", "duration") == pytest.approx(expected)
    assert [i.quantity for i in bill.items if "duration" in i.item] == [6e9, 1e9]


def test_exactly_on_the_boundary_stays_in_the_first_tier():
    """6B GB-s exactly is all first tier; 16B GB-s reaches the third (6B + 9B + 1B)."""
    at_edge = cost.lambda_cost(6_000_000, 1_000_000, 1024, free_tier=False)
    assert at_edge.usd("Lambda", "duration") == pytest.approx(6e9 * X86_TIER_1)
    over = cost.lambda_cost(16_000_000, 1_000_000, 1024, free_tier=False)
    assert over.usd("Lambda", "duration") == pytest.approx(6e9 * X86_TIER_1 + 9e9 * X86_TIER_2
                                                           + 1e9 * X86_TIER_3)


def test_arm_tier_boundary_at_7_5_billion_gb_s():
    """Arm: first 7.5B GB-s at $0.0000133334, next 11.25B at $0.0000120001."""
    bill = cost.lambda_cost(8_000_000, 1_000_000, 1024, arch="arm64", free_tier=False)
    assert bill.usd("Lambda", "duration") == pytest.approx(7.5e9 * ARM_TIER_1 + 0.5e9 * ARM_TIER_2)


def test_init_time_continues_the_tiers_where_the_handler_left_them():
    """INIT GB-s add to the same monthly total: 6B handler GB-s fill tier 1, so 1,000 cold
    starts x 1 s x 1 GB of INIT are priced at tier 2."""
    bill = cost.lambda_cost(6_000_000, 1_000_000, 1024, free_tier=False, cold_starts=1_000,
                            init_ms=1000)
    assert bill.usd("Lambda", "INIT") == pytest.approx(1_000 * X86_TIER_2)


def test_provisioned_concurrency_configured_and_executed():
    """Provisioned concurrency: $0.0000041667 per GB-s configured + $0.0000097222 per GB-s
    executed, requests $0.20/1M, no free tier. 2 x 1024 MB for 10 h = 72,000 GB-s
    configured; 100,000 requests x 200 ms x 1 GB = 20,000 GB-s executed."""
    bill = cost.provisioned_cost(2, 1024, 10, requests=100_000, duration_ms=200)
    expected = 72_000 * 0.0000041667 + 20_000 * 0.0000097222 + 100_000 * REQUEST
    assert bill.total_usd == pytest.approx(expected)


def test_provisioned_time_is_rounded_up_to_5_minutes():
    """"rounded up to the nearest five minutes": 1 minute of 1 x 1024 MB bills 300 GB-s."""
    bill = cost.provisioned_cost(1, 1024, 1 / 60)
    assert bill.total_usd == pytest.approx(300 * 0.0000041667)


def test_provisioned_arm_prices():
    """Arm provisioned concurrency: $0.0000033334 configured, $0.0000077778 executed."""
    bill = cost.provisioned_cost(1, 1024, 1, arch="arm64", requests=1000, duration_ms=1000)
    assert bill.total_usd == pytest.approx(3600 * 0.0000033334 + 1000 * 0.0000077778 + 1000 * REQUEST)


@pytest.mark.parametrize("kwargs", [
    dict(requests=-1, duration_ms=1, memory_mb=128),
    dict(requests=1, duration_ms=1, memory_mb=64),
    dict(requests=1, duration_ms=1, memory_mb=20_000),
    dict(requests=1, duration_ms=1, memory_mb=128, arch="sparc"),
    dict(requests=1, duration_ms=1, memory_mb=128, cold_starts=2),
])
def test_impossible_inputs_are_refused(kwargs):
    with pytest.raises(ValueError):
        cost.lambda_cost(**kwargs)


def test_breakdown_lines_add_up_and_carry_source_and_date():
    bill = cost.lambda_cost(5_000_000, 120, 256, cold_starts=100, init_ms=300)
    assert bill.total_usd == pytest.approx(sum(i.usd for i in bill.items))
    for item in bill.to_dict()["items"]:
        assert item["source"].startswith("https://aws.amazon.com/")
        assert item["checked"] == cost.PRICES_CHECKED
    assert "checked " + cost.PRICES_CHECKED in bill.table()
