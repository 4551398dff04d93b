"""Lesson 10's pure helpers: percentiles, counting, retries with backoff and jitter, the API
Gateway price model, invoke URLs, the burst sender, and the experiments' helpers (fake calls
and clients: no network), then the APIs and the orders table on the test backend."""
from __future__ import annotations

import random
import threading
import time

import pandas as pd
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


# ---------------------------------------------------------------- the experiments' helpers
def _fake_http(monkeypatch):
    """Replace http_call: each call is recorded and answered 200 with a made-up timing."""
    import labkit.lessons.front_door_lesson as door

    sent = []

    def fake(url, method="GET", body=None, headers=None, timeout=60.0):
        sent.append({"url": url, "method": method, "body": body, "headers": headers})
        return {"status": 200, "latency_ms": 5.0, "body": None, "started_at": 1.0, "ended_at": 1.005}
    monkeypatch.setattr(door, "http_call", fake)
    return sent


def test_url_maker_fills_in_the_backend():
    from labkit.lessons.front_door_lesson import url_maker

    url_of = url_maker("http://h:1", "us-east-1")
    assert url_of("abc") == "http://h:1/_aws/execute-api/abc"
    assert url_of("abc", "prod") == "http://h:1/_aws/execute-api/abc/prod"


def test_orders_and_tokens_are_sent_as_the_lesson_says(monkeypatch):
    from labkit.lessons.front_door_lesson import get_with_token, post_at_once, post_order

    sent = _fake_http(monkeypatch)
    post_order("http://api", "o-1", provider_s=2.5, headers={"Idempotency-Key": "o-1"})
    get_with_token("http://api/orders/o-1", "Bearer good-user1")
    assert sent[0] == {"url": "http://api/orders", "method": "POST", "body": {"order_id": "o-1", "provider_s": 2.5},
                       "headers": {"Idempotency-Key": "o-1"}}
    assert (sent[1]["method"], sent[1]["headers"]) == ("GET", {"Authorization": "Bearer good-user1"})

    sent.clear()
    answers = post_at_once({"HTTP API": "http://a", "REST API": "http://b/prod"}, {"HTTP API": "h-0", "REST API": "h-1"},
                           provider_s=2.5)
    assert set(answers) == {"HTTP API", "REST API"}
    assert sorted((c["url"], c["body"]["order_id"]) for c in sent) == [("http://a/orders", "h-0"),
                                                                       ("http://b/prod/orders", "h-1")]


def test_taking_turns_alternates_the_fronts_and_splits_the_answers():
    from labkit.lessons.front_door_lesson import taking_turns

    def front(name):
        return lambda n: {"status": 200, "front": name, "n": n, "started_at": 1.0, "ended_at": 2.0}

    fronts = taking_turns({"sync": front("sync"), "async": front("async")}, n_each=5, concurrency=3)
    assert list(fronts) == ["sync", "async"]
    for name, rows in fronts.items():
        assert list(rows["front"]) == [name] * 5 and list(rows["n"]) == list(range(5))
    assert list(fronts["sync"]["i"]) == [0, 2, 4, 6, 8]      # turn by turn in one burst


def test_rate_and_duration_of_a_burst():
    from labkit.lessons.front_door_lesson import burst_seconds, requests_per_second

    frame = pd.DataFrame({"started_at": [10.0, 10.5, 11.0], "ended_at": [10.4, 11.2, 12.0]})
    assert requests_per_second(frame) == pytest.approx(3 / 2.0)
    retried = pd.DataFrame({"tried_at": [[9.0, 9.5], [9.2]], "ended_at": [10.0, 13.0]})
    assert burst_seconds(retried) == pytest.approx(4.0)      # first attempt to last answer


class _FakeDynamoDB:
    """batch_get_item of a boto3 resource, over a dict of order -> charges."""

    def __init__(self, charged):
        self.charged, self.batches = charged, []

    def batch_get_item(self, RequestItems):
        (table, request), = RequestItems.items()
        keys = [k["pk"] for k in request["Keys"]]
        assert request["ConsistentRead"] and len(keys) <= 100
        self.batches.append(len(keys))
        return {"Responses": {table: [{"pk": k, "charged": self.charged[k]} for k in keys if k in self.charged]}}


def test_charge_counter_reads_in_batches_of_100_and_says_0_for_an_unknown_order():
    from labkit.lessons.front_door_lesson import charge_counter

    ids = [f"o-{i}" for i in range(150)]
    dynamodb = _FakeDynamoDB({o: 1 for o in ids[:149]} | {"o-7": 2})
    found = charge_counter(dynamodb, "orders")(*ids)
    assert dynamodb.batches == [100, 50]
    assert list(found) == ids and found["o-7"] == 2 and found["o-0"] == 1 and found["o-149"] == 0


def test_wait_for_charges_waits_for_every_order_and_times_out_naming_what(monkeypatch):
    from labkit.lessons.front_door_lesson import wait_for_charges

    polls = []

    def charges(*ids):
        polls.append(1)
        return {o: len(polls) - 1 for o in ids}              # 0, then 1, then 2 charges each
    assert wait_for_charges(charges, ["a", "b"], times=2, timeout=5) == pytest.approx(time.time(), abs=2)
    assert len(polls) == 3
    with pytest.raises(TimeoutError, match="the retry's charge"):
        wait_for_charges(lambda *ids: {o: 0 for o in ids}, ["a"], timeout=0.3, what="the retry's charge")


def test_latency_tables_take_latencies_or_a_bursts_rows():
    from labkit.lessons.front_door_lesson import cold_and_warm, latencies, latency_table

    frame = pd.DataFrame({"latency_ms": [900.0, 100.0, 120.0, 110.0], "cold": [True, False, False, False]})
    groups = cold_and_warm(frame)
    assert list(groups) == ["cold start", "warm"] and list(groups["cold start"]) == [900.0]
    assert latencies(frame) == [900.0, 100.0, 120.0, 110.0] and latencies((1, 2)) == [1, 2]
    table = latency_table({"all": frame, **groups, "none": []})
    assert list(table.index) == ["all", "cold start", "warm"]        # an empty group has no row
    assert table.loc["all", "n"] == 4 and table.loc["warm", "p50"] == 110 and table.loc["all", "max"] == 900


def test_timeout_and_authorizer_tables():
    from labkit.lessons.front_door_lesson import authorizer_table, timeout_table

    answers = {"HTTP API": {"status": 503, "body": {"message": "Service Unavailable"}, "latency_ms": 1010.4}}
    row = timeout_table(answers, {"h-0": 0}, {"HTTP API": "h-0"}).iloc[0]
    assert (row["API"], row["status"], row["client waited ms"], row["charges when the client got its answer"]) == \
        ("HTTP API", 503, 1010, 0)
    frame = pd.DataFrame({"status": [200] * 30, "latency_ms": [20.0] * 30})
    table = authorizer_table({0: frame, 300: frame}, {0: 30, 300: 3}, "emulated")
    assert list(table["authorizer invocations"]) == [30, 3]
    assert list(table["invocations per request"]) == [1.0, 0.1]
    assert table.iloc[0]["answers"] == {200: 30} and table.iloc[0]["p50 ms (emulated)"] == 20


def test_authorizer_invocations_counts_this_apis_lines_once_they_stop_growing(monkeypatch):
    import labkit.lessons.front_door_lesson as door

    arrived = iter([1, 2, 3, 3, 3, 3, 3])                      # log lines arrive late, then settle

    def read_json_lines(logs, function, since, kind=None):
        n = next(arrived)
        return pd.DataFrame({"kind": ["authorize"] * (n + 2), "api": ["mine"] * n + ["other"] * 2})
    monkeypatch.setattr(door, "read_json_lines", read_json_lines)
    assert door.authorizer_invocations(None, "authorizer", "mine", since=0.0, minimum=3) == 3


def test_the_seed_workloads_priced():
    from labkit.lessons.front_door_lesson import SEED_WORKLOADS

    prices = price_comparison(SEED_WORKLOADS).set_index("workload")
    assert prices.loc["seed 004 workload 3 (2M/day)", "HTTP API $"] == 60.0
    assert prices.loc["seed 004 workload 3 (2M/day)", "REST API $"] == 210.0
    assert prices.loc["seed 003 after (10M/month)", "REST API $"] == 35.0


def test_the_plots_can_still_be_imported_from_the_lesson_module():
    from labkit.lessons import front_door_figures, front_door_lesson

    assert front_door_lesson.plot_latency_groups is front_door_figures.plot_latency_groups
    with pytest.raises(AttributeError):
        front_door_lesson.nothing_here  # noqa: B018


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



def test_the_orders_table_counts_charges(aws, server):
    import boto3

    from labkit.lessons.front_door_lesson import charge_counter, make_orders_table

    ddb = aws("dynamodb")
    table = make_orders_table(ddb, "front-door-orders")
    ddb.update_item(TableName=table, Key={"pk": {"S": "o-1"}}, UpdateExpression="ADD charged :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    dynamodb = boto3.resource("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
    assert charge_counter(dynamodb, table)("o-1", "o-2") == {"o-1": 1, "o-2": 0}
