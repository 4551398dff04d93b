"""The token bucket behind API Gateway throttling (pure logic, with a fake clock)."""
from __future__ import annotations

from types import SimpleNamespace

from labkit.emulator.apigateway.token_bucket import Buckets, TokenBucket, http_limits, rest_limits


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_burst_then_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5                       # half a second at 2/s: one token back
    assert [bucket.take() for _ in range(2)] == [True, False]
    clock.now = 100                       # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3


def test_zero_burst_throttles_everything():
    assert TokenBucket(rate=100, burst=0, clock=Clock()).take() is False


def test_changed_limits_start_a_fresh_bucket():
    buckets = Buckets(clock=Clock())
    assert buckets.allow(("a",), 1, 1) and not buckets.allow(("a",), 1, 1)
    assert buckets.allow(("a",), 1, 2)    # new limits: a new, full bucket


def test_limits_read_from_moto_stages():
    rest = SimpleNamespace(method_settings={
        "*/*": {"throttlingRateLimit": 5.0, "throttlingBurstLimit": 10},
        "~1items~1{id}/GET": {"throttlingRateLimit": 1.0, "throttlingBurstLimit": 2}})
    assert rest_limits(rest, "/items/{id}", "GET") == (1.0, 2)
    assert rest_limits(rest, "/items/{id}", "PUT") == (5.0, 10)
    assert rest_limits(SimpleNamespace(method_settings={}), "/x", "GET") is None
    http = SimpleNamespace(default_route_settings={"throttlingBurstLimit": 7, "throttlingRateLimit": 3},
                           route_settings={"GET /a": {"throttlingBurstLimit": 1, "throttlingRateLimit": 1}})
    assert http_limits(http, "GET /a") == (1.0, 1)
    assert http_limits(http, "GET /b") == (3.0, 7)
    assert http_limits(SimpleNamespace(default_route_settings={"detailedMetricsEnabled": False},
                                       route_settings={}), "GET /b") is None
