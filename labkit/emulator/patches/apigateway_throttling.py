"""API Gateway throttles requests per stage and method / route with a token bucket.

Reads the limits moto stores: a REST stage's methodSettings ("*/*" or one method's,
UpdateStage /*/*/throttling/rateLimit and burstLimit), an HTTP API stage's
DefaultRouteSettings and RouteSettings (ThrottlingRateLimit, ThrottlingBurstLimit).
Usage plans (per-client limits with API keys) are not enforced.
"""
from __future__ import annotations

from labkit.emulator.apigateway.token_bucket import Buckets

NAME = "apigateway_throttling"
AWS_BEHAVIOUR = (
    "API Gateway throttles requests to your API using the token bucket algorithm, where a "
    "token counts for a request: the rate is the steady-state limit and the burst the "
    "bucket's size; stage-level and method-level (REST) or default-route and per-route "
    "(HTTP API) limits apply, and a request over the limit receives 429 Too Many Requests "
    "(API Gateway Developer Guide, 'Throttle requests to your REST APIs for better "
    "throughput in API Gateway' and 'Throttling requests to your HTTP API')."
)


def apply(ctx) -> None:
    door = ctx.find_component("apigateway")
    if door is None:   # apigateway_lambda_proxy disabled: there is no front door to extend
        return
    door.throttling = Buckets()
