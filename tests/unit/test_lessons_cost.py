"""Lesson 07 helpers: the power-tuning model, log volume, state transitions.
Expected numbers are worked out here from the AWS rules and prices quoted, not from the code."""
import pandas as pd
import pytest

from labkit.lessons import cost_lesson as cl

X86_GB_S = 0.0000166667       # aws.amazon.com/lambda/pricing
REQUEST = 0.20 / 1_000_000


def test_cpu_share_is_one_vcpu_at_1769_mb():
    """AWS Lambda Developer Guide ("Configure Lambda function memory"): at 1,769 MB a
    function has the equivalent of one vCPU; CPU is allocated in proportion to memory."""
    assert cl.vcpus(1769) == 1.0
    assert cl.vcpus(884.5) == pytest.approx(0.5)


def test_single_threaded_work_speeds_up_until_one_vcpu_then_stops():
    """Below 1,769 MB the same CPU work takes 1769/memory times longer; above, one thread
    cannot use the extra vCPUs; waiting time never changes."""
    assert cl.modelled_duration_ms(100, 1769) == pytest.approx(100)
    assert cl.modelled_duration_ms(100, 128) == pytest.approx(100 * 1769 / 128)
    assert cl.modelled_duration_ms(100, 3008, wait_ms=40) == pytest.approx(140)
    assert cl.modelled_duration_ms(0, 128, wait_ms=40) == pytest.approx(40)
    with pytest.raises(ValueError):
        cl.modelled_duration_ms(-1, 128)


def test_power_tuning_table_prices_each_memory_size():
    """Monthly cost = requests x $0.20/1M + requests x ceil(duration) ms x GB x $/GB-s."""
    table = cl.power_tuning_table(cpu_ms=200, wait_ms=0, requests_per_month=1_000_000,
                                  memories=(256, 1769))
    at_256 = table.set_index("memory_mb").loc[256]
    duration = 200 * 1769 / 256                              # 1382.03 ms
    expected = 1_000_000 * (REQUEST + 1383 / 1000 * 0.25 * X86_GB_S)
    assert at_256.duration_ms == pytest.approx(duration)
    assert at_256.monthly_usd == pytest.approx(expected, rel=1e-6)
    # CPU-bound: 7x the memory costs about the same GB-s and runs 7x faster
    at_1769 = table.set_index("memory_mb").loc[1769]
    assert at_1769.duration_ms == pytest.approx(200)
    assert at_1769.monthly_usd == pytest.approx(1_000_000 * (REQUEST + 0.2 * 1769 / 1024 * X86_GB_S),
                                                rel=1e-6)


def test_cheapest_within_a_latency_target():
    options = pd.DataFrame({"memory_mb": [128, 512, 1024], "duration_ms": [900, 240, 120],
                            "monthly_usd": [3.0, 2.5, 2.8]})
    assert cl.cheapest_within(options, 300).memory_mb == 512
    assert cl.cheapest_within(options, 150).memory_mb == 1024
    assert cl.cheapest_within(options, 1000).memory_mb == 512
    assert cl.cheapest_within(options, 100) is None


def test_ingested_bytes_counts_utf8_message_bytes():
    events = [{"message": "abc"}, {"message": "é"}, "REPORT x"]
    assert cl.ingested_bytes(events) == 3 + 2 + 8


def test_logs_monthly_usd_at_half_a_dollar_per_gb():
    """CloudWatch Logs standard ingestion: $0.50 per GB (aws.amazon.com/cloudwatch/pricing)."""
    assert cl.logs_monthly_usd(1024, 1024 ** 2) == pytest.approx(0.50)   # exactly 1 GB
    assert cl.logs_monthly_usd(1024, 1024 ** 2, free_tier=True) == 0     # within 5 GB free


def test_state_transitions_count_states_and_retries():
    """Step Functions Standard bills each state transition, and each retry is one more
    (aws.amazon.com/step-functions/pricing)."""
    history = [{"type": t} for t in (
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
        "LambdaFunctionScheduled", "LambdaFunctionFailed", "LambdaFunctionScheduled",
        "LambdaFunctionFailed", "LambdaFunctionScheduled", "LambdaFunctionSucceeded",
        "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded")]
    assert cl.state_transitions(history) == 3 + 2


def test_per_period_extrapolates_a_rate():
    assert cl.per_period(50, 5, 3600) == pytest.approx(36_000)
    with pytest.raises(ValueError):
        cl.per_period(1, 0, 10)
