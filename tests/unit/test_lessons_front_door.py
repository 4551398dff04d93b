"""Lesson 10's pure helpers: percentiles, counting, retries with backoff and jitter, the API
Gateway price model, invoke URLs, and the burst sender (with a fake call: no network)."""
from __future__ import annotations

import random
import threading

import pytest

from labkit.lessons.front_door_lesson import (
    backoff_delay, count_statuses, invoke_url, latency_percentiles, monthly_api_price, percentile,
    price_comparison, send_burst, settled, with_retries)


# ---------------------------------------------------------------- percentiles and counts
def test_percentile_is_nearest_rank_and_always_a_measured_value():
    values = list(range(1, 101))             # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    forty = [10.0] * 39 + [900.0]
    assert percentile(forty, 99) == 900.0    # p99 of 40 requests is the slowest one
    assert percentile(forty, 50) == 10.0
    assert percentile([3, 1, 2], 50) == 2    # order of the input does not matter


def test_percentile_refuses_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 0)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_latency_percentiles_reports_n_tail_and_max():
    found = latency_percentiles([100] * 9 + [2000])
    assert found == {"n": 10, "p50": 100, "p90": 100, "p99": 2000, "max": 2000}


def test_count_statuses_counts_each_status_in_order():
    assert count_statuses([429, 200, 200, 503, 429, 200]) == {200: 3, 429: 2, 503: 1}
    assert list(count_statuses([504, 200])) == [200, 504]
    assert count_statuses([]) == {}


def test_settled_waits_for_the_minimum_and_for_the_count_to_stop_growing():
    readings = iter([1, 3, 3, 4, 4, 4, 9])
    check = settled(lambda: next(readings), minimum=3, polls=3)
    results = [check() for _ in range(6)]
    assert results == [None, None, None, None, None, 4]


def test_settled_accepts_a_stable_zero_when_zero_is_enough():
    check = settled(lambda: 0, minimum=0, polls=2)
    assert check() is None and check() is True


# ---------------------------------------------------------------- retries
def test_backoff_is_full_jitter_below_the_capped_exponential():
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.1), (1, 0.2), (3, 0.8), (10, 2.0)]:
        delays = [backoff_delay(attempt, 0.1, 2.0, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8     # spread over the whole range, not a constant
        assert len(set(delays)) > 100          # jitter: clients that failed together diverge
    with pytest.raises(ValueError):
        backoff_delay(-1, 0.1, 2.0, rng)


def _answers(*statuses):
    it = iter(statuses)
    return lambda: {"status": next(it), "started_at": 0.0, "ended_at": 0.0}


def test_with_retries_retries_429_until_it_passes_and_sleeps_between():
    slept = []
    result = with_retries(_answers(429, 429, 200), max_attempts=5, base_s=0.1, cap_s=1.0,
                          rng=random.Random(1), sleep=slept.append)
    assert result["status"] == 200 and result["attempts"] == 3
    assert result["statuses"] == [429, 429, 200]
    assert len(slept) == 2 and slept[0] <= 0.1 and slept[1] <= 0.2


def test_with_retries_gives_up_after_max_attempts_without_a_last_sleep():
    slept = []
    result = with_retries(_answers(*[429] * 10), max_attempts=4, sleep=slept.append,
                          rng=random.Random(0))
    assert result["status"] == 429 and result["attempts"] == 4 and len(slept) == 3


def test_with_retries_does_not_retry_a_timeout_unless_told_to():
    result = with_retries(_answers(503, 200), sleep=lambda s: None)
    assert result["status"] == 503 and result["attempts"] == 1   # 503 may mean "it ran": not safe
    result = with_retries(_answers(503, 200), sleep=lambda s: None, retry_on=(429, 503))
    assert result["status"] == 200 and result["attempts"] == 2


# ---------------------------------------------------------------- price model
def test_rest_and_http_prices_per_million():
    assert monthly_api_price(1_000_000, "rest") == pytest.approx(3.50)
    assert monthly_api_price(1_000_000, "http") == pytest.approx(1.00)
    assert monthly_api_price(60_000_000, "http") == pytest.approx(60.00)   # seed 004, workload 3
    assert monthly_api_price(10_000_000, "rest") == pytest.approx(35.00)   # seed 003's traffic


def test_rest_price_drops_after_the_first_333_million():
    # 333M at $3.50 + 67M at $2.80
    assert monthly_api_price(400_000_000, "rest") == pytest.approx(333 * 3.50 + 67 * 2.80)
    assert monthly_api_price(400_000_000, "http") == pytest.approx(300 * 1.00 + 100 * 0.90)


def test_price_comparison_rows():
    frame = price_comparison({"a": 2_000_000, "none": 0})
    a = frame.set_index("workload").loc["a"]
    assert (a["REST API $"], a["HTTP API $"], a["saved $"]) == (7.0, 2.0, 5.0)
    assert a["saved %"] == pytest.approx(71.4)
    assert frame.set_index("workload").loc["none"]["saved %"] == 0.0
    with pytest.raises(ValueError):
        monthly_api_price(1, "websocket")


# ---------------------------------------------------------------- URLs and bursts
def test_invoke_urls_on_an_emulator_and_on_aws():
    assert invoke_url("http://127.0.0.1:4566/", "us-east-1", "abc") == \
        "http://127.0.0.1:4566/_aws/execute-api/abc"
    assert invoke_url("http://h:1", "us-east-1", "abc", "prod") == "http://h:1/_aws/execute-api/abc/prod"
    assert invoke_url(None, "eu-west-1", "abc") == "https://abc.execute-api.eu-west-1.amazonaws.com"
    assert invoke_url(None, "eu-west-1", "abc", "prod") == \
        "https://abc.execute-api.eu-west-1.amazonaws.com/prod"


def test_send_burst_runs_every_request_with_the_given_concurrency():
    lock, running, peak = threading.Lock(), [0], [0]
    release = threading.Event()

    def call(i):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] == 4:
                release.set()
        release.wait(5)                       # the first wave waits until all four run at once
        with lock:
            running[0] -= 1
        return {"status": 200 if i % 2 else 429, "started_at": 100.0 + i, "ended_at": 100.5 + i}

    answered = []
    frame = send_burst(call, n=10, concurrency=4, on_answer=lambda: answered.append(1))
    assert list(frame["i"]) == list(range(10)) and len(answered) == 10
    assert peak[0] == 4
    assert count_statuses(frame["status"]) == {200: 5, 429: 5}
    with pytest.raises(ValueError):
        send_burst(call, n=0, concurrency=1)


# ---------------------------------------------------------------- building APIs (on the test backend)
ECHO = """
import json

def handler(event, context):
    method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
    return {"statusCode": 201, "body": json.dumps({"method": method, "version": event.get("version", "1.0")})}
"""


def test_http_and_rest_apis_proxy_to_the_function(aws, server):
    from botocore.config import Config

    from labkit.deploy import deploy_function
    from labkit.lessons import front_door_apis as apis
    from labkit.lessons.front_door_lesson import http_call

    lam = aws("lambda", config=Config(retries={"max_attempts": 0}))
    apigw, apigw2 = aws("apigateway"), aws("apigatewayv2")
    arn = deploy_function(lam, "front-door-echo", ECHO)
    http_id = apis.http_api(apigw2, lam, "front-door-http", arn, ["POST /things"])
    rest_id = apis.rest_api(apigw, lam, "front-door-rest", arn, "things", stage="prod", timeout_ms=5000)

    answer = http_call(invoke_url(server.url, "us-east-1", http_id) + "/things", "POST", {"a": 1})
    assert (answer["status"], answer["body"]) == (201, {"method": "POST", "version": "2.0"})
    answer = http_call(invoke_url(server.url, "us-east-1", rest_id, "prod") + "/things", "POST", {})
    assert (answer["status"], answer["body"]) == (201, {"method": "POST", "version": "1.0"})
    assert http_call(invoke_url(server.url, "us-east-1", http_id) + "/nothing")["status"] == 404

