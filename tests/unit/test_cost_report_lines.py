"""Pricing what a function actually ran, from its REPORT log lines."""
import json

import pandas as pd
import pytest

from labkit import cost

X86_GB_S = 0.0000166667
REQUEST = 0.20 / 1_000_000

WARM = ("REPORT RequestId: 11111111-aaaa Duration: 102.25 ms Billed Duration: 103 ms "
        "Memory Size: 128 MB Max Memory Used: 41 MB")
# Managed runtime, REPORT written the pre-Aug-2025 way: Billed Duration is handler time only.
COLD_INIT_OUTSIDE = ("REPORT RequestId: 22222222-bbbb Duration: 10.10 ms Billed Duration: 11 ms "
                     "Memory Size: 256 MB Max Memory Used: 60 MB Init Duration: 230.50 ms")
# Custom runtime / container image: Billed Duration = ceil(10.10 + 230.50) = 241 already.
COLD_INIT_INSIDE = ("REPORT RequestId: 33333333-cccc Duration: 10.10 ms Billed Duration: 241 ms "
                    "Memory Size: 256 MB Max Memory Used: 60 MB Init Duration: 230.50 ms")
JSON_COLD = json.dumps({"time": "2026-11-22T10:00:00Z", "type": "platform.report",
                        "record": {"requestId": "44444444-dddd", "status": "success",
                                   "metrics": {"durationMs": 50.2, "billedDurationMs": 51,
                                               "memorySizeMB": 1024, "maxMemoryUsedMB": 80,
                                               "initDurationMs": 120.0}}})
NOISE = ["START RequestId: 11111111-aaaa Version: $LATEST", "hello from the handler",
         "END RequestId: 11111111-aaaa", '{"level": "INFO", "message": "json app log"}']
LINES = [NOISE[0], WARM, NOISE[1], COLD_INIT_OUTSIDE, NOISE[2], COLD_INIT_INSIDE, NOISE[3], JSON_COLD]

# By hand: GB-s = billed seconds x memory GB, per line.
HANDLER_GB_S = 0.103 * 0.125 + 0.011 * 0.25 + 0.241 * 0.25 + 0.051 * 1.0   # 0.126875
INIT_GB_S = 0.231 * 0.25 + 0.120 * 1.0   # INIT outside Billed Duration, rounded up to 1 ms


def test_parses_text_and_json_reports_and_skips_other_lines():
    reports = cost.parse_reports(LINES)
    assert [r.request_id for r in reports] == ["11111111-aaaa", "22222222-bbbb", "33333333-cccc",
                                              "44444444-dddd"]
    warm, outside, inside, from_json = reports
    assert (warm.duration_ms, warm.billed_ms, warm.memory_mb, warm.max_memory_mb) == (102.25, 103, 128, 41)
    assert not warm.cold and warm.init_ms is None
    assert outside.cold and outside.init_ms == 230.5 and not outside.init_in_billed
    assert inside.init_in_billed
    assert from_json.cold and from_json.billed_ms == 51 and from_json.memory_mb == 1024


def test_usage_counts_init_once_whether_or_not_billed_duration_includes_it():
    """Since 1 Aug 2025 the INIT phase is billed like handler time (AWS Compute Blog, "AWS
    Lambda standardizes billing for INIT phase"). When Billed Duration already includes
    it (>= Duration + Init Duration) it must not be added a second time."""
    usage = cost.usage_from_reports(cost.parse_reports(LINES))
    assert (usage.invocations, usage.cold_starts) == (4, 3)
    assert usage.handler_gb_s == pytest.approx(HANDLER_GB_S)
    assert usage.init_gb_s == pytest.approx(INIT_GB_S)


def test_cost_from_report_lines_prices_requests_and_gb_s():
    bill = cost.cost_from_report_lines(LINES)
    assert bill.total_usd == pytest.approx(4 * REQUEST + (HANDLER_GB_S + INIT_GB_S) * X86_GB_S)
    old_rule = cost.cost_from_report_lines(LINES, bill_init=False)
    assert old_rule.total_usd == pytest.approx(4 * REQUEST + HANDLER_GB_S * X86_GB_S)


def test_accepts_log_events_and_dataframes():
    """boto3 filter_log_events gives dicts with "message"; a DataFrame of them works too."""
    events = [{"timestamp": 0, "message": line} for line in LINES]
    expected = cost.cost_from_report_lines(LINES).total_usd
    assert cost.cost_from_report_lines(events).total_usd == pytest.approx(expected)
    assert cost.cost_from_report_lines(pd.DataFrame(events)).total_usd == pytest.approx(expected)
    frame = cost.reports_frame(LINES)
    assert list(frame["cold"]) == [False, True, True, True]
    assert frame["billed_ms"].sum() == 103 + 11 + 241 + 51


def test_scale_extrapolates_a_small_run_to_a_month():
    """4 invocations x 250,000 = 1M a month: 1M x $0.20/1M + 250,000 x the GB-s; with the
    free tier the same month is free (76,156 GB-s < 400,000, 1M requests free)."""
    scaled = cost.cost_from_report_lines(LINES, scale=250_000)
    assert scaled.total_usd == pytest.approx(1_000_000 * REQUEST
                                             + 250_000 * (HANDLER_GB_S + INIT_GB_S) * X86_GB_S)
    assert cost.cost_from_report_lines(LINES, scale=250_000, free_tier=True).total_usd == 0


def test_arm_prices_the_same_usage_lower():
    bill = cost.cost_from_report_lines(LINES, arch="arm64")
    assert bill.total_usd == pytest.approx(4 * REQUEST + (HANDLER_GB_S + INIT_GB_S) * 0.0000133334)


def test_no_report_lines_costs_nothing():
    assert cost.cost_from_report_lines(NOISE).total_usd == 0


def test_an_emulated_report_line_bills_what_it_prints():
    """Billed Duration is the printed Duration rounded up to the next ms (plus the printed Init
    Duration on a cold start): 1.004 ms prints as 1.00 and bills 1, not 2 (seen as a
    make test failure: tests/runtime/test_lifecycle.py read Duration 1.00, Billed 2)."""
    from labkit.emulator.runtime.report import report_line
    from labkit.lessons.logs import parse_report_line

    warm = parse_report_line(report_line("r-1", 1.004, 128, 40, None, False, 0.0))
    cold = parse_report_line(report_line("r-2", 1.004, 128, 40, 0.996, False, 0.0))
    assert (warm["duration_ms"], warm["billed_ms"]) == (1.0, 1)
    assert (cold["duration_ms"], cold["init_ms"], cold["billed_ms"]) == (1.0, 1.0, 2)
