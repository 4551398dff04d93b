"""Helpers for lesson 10 (the front door): calling an API over HTTP, bursts of concurrent
requests, latency percentiles, retries with backoff and jitter, the orders table that counts
charges, the tables the lesson shows, and the API Gateway price model (its plots and widget:
front_door_figures.py).

Callers talk to the API's invoke URL with plain HTTP (urllib), as a browser or a mobile app
would; nothing here needs the backend's SDK. Error statuses (429, 503, 504) are answers, not
exceptions: they are what the lesson counts.

    result = http_call(url + "/orders", "POST", {"order_id": "o-1"})   # {"status": 200, ...}
    frame = send_burst(lambda i: http_call(...), n=40, concurrency=8)
    latency_percentiles(frame["latency_ms"])                            # {"p50": ..., "p99": ...}
"""
from __future__ import annotations

import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from labkit.cost.prices import API_GATEWAY_PRICING
from labkit.cost.services import api_gateway_cost
from labkit.lessons.logs import read_json_lines
from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress
from labkit.lessons.tables import make_table

RETRYABLE = (429, 502, 503, 504)   # throttled, or the gateway gave up: worth another try
STATUS_COLOURS = {200: "tab:green", 202: "tab:green", 429: "tab:red", 503: "tab:orange",
                  504: "tab:orange"}


# ---------------------------------------------------------------- calling the API
def invoke_url(endpoint_url: str | None, region: str, api_id: str, stage: str = "$default") -> str:
    """Where an API answers (REST or HTTP). On AWS https://{api}.execute-api.{region}.amazonaws.com/{stage};
    an emulator (the embedded backend, LocalStack) serves it path-style at
    {endpoint}/_aws/execute-api/{api}/{stage}. The $default stage has no path segment."""
    suffix = "" if stage == "$default" else f"/{stage}"
    if not endpoint_url:
        return f"https://{api_id}.execute-api.{region}.amazonaws.com{suffix}"
    return f"{endpoint_url.rstrip('/')}/_aws/execute-api/{api_id}{suffix}"


def url_maker(endpoint_url: str | None, region: str) -> Callable[..., str]:
    """``url_of(api_id, stage="$default")``: invoke_url on this backend."""
    def url_of(api_id: str, stage: str = "$default") -> str:
        return invoke_url(endpoint_url, region, api_id, stage)
    return url_of


def http_call(url: str, method: str = "GET", body: Any = None, headers: dict | None = None,
              timeout: float = 60.0) -> dict[str, Any]:
    """One request: status, latency_ms (seen by the caller), the decoded body, and the wall
    clock time it started and ended. A JSON-serialisable ``body`` is sent as JSON."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    started_at, started = time.time(), time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    latency_ms = (time.perf_counter() - started) * 1000
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = raw.decode("utf-8", errors="replace")
    return {"status": status, "latency_ms": latency_ms, "body": decoded,
            "started_at": started_at, "ended_at": started_at + latency_ms / 1000}


def send_burst(call: Callable[[int], dict], n: int, concurrency: int,
               on_answer: Callable[[], None] | None = None) -> pd.DataFrame:
    """Send ``n`` requests from ``concurrency`` client threads at once (each thread sends its
    next request as soon as the previous one is answered). One row per request, in order of
    ``i``, with ``t`` = seconds from the start of the burst to the request's start.
    ``on_answer`` is called after each answer (e.g. a progress bar's step)."""
    if n < 1 or concurrency < 1:
        raise ValueError("n and concurrency must be at least 1")
    gate, lock = threading.Barrier(min(n, concurrency)), threading.Lock()

    def one(i: int) -> dict:
        if i < concurrency:            # the first wave leaves together
            gate.wait()
        answer = {"i": i, **call(i)}
        if on_answer is not None:
            with lock:
                on_answer()
        return answer

    started = time.time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        rows = list(pool.map(one, range(n)))
    frame = pd.DataFrame(rows)
    frame["t"] = frame["started_at"] - started
    return frame


# ---------------------------------------------------------------- counting and percentiles
def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0 < q <= 100) by the nearest-rank method: the smallest value with
    at least q % of the values at or below it. Always one of the measured values (a p99 of
    40 requests is the slowest but none), which is how latency SLOs are usually read."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[rank - 1]


def latency_percentiles(values: Iterable[float], qs: Sequence[float] = (50, 90, 99)) -> dict[str, float]:
    """{"n": count, "p50": ..., "p90": ..., "p99": ..., "max": ...} of the values."""
    values = list(values)
    found = {"n": len(values)}
    found.update({f"p{q:g}": percentile(values, q) for q in qs})
    found["max"] = max(values)
    return found


def count_statuses(statuses: Iterable[int]) -> dict[int, int]:
    """How many of each HTTP status, in status order: {200: 31, 429: 9}."""
    counts: dict[int, int] = {}
    for status in statuses:
        counts[int(status)] = counts.get(int(status), 0) + 1
    return dict(sorted(counts.items()))


def settled(read: Callable[[], int], minimum: int, polls: int = 3) -> Callable[[], int | None]:
    """A predicate for wait_until: the count ``read()`` returns once it is at least
    ``minimum`` and the same ``polls`` times in a row (log lines and metrics arrive late,
    so a count is only final once it stops growing)."""
    seen: list[int] = []

    def check() -> int | None:
        seen.append(read())
        last = seen[-polls:]
        if len(last) == polls and last[0] >= minimum and len(set(last)) == 1:
            return last[0] or True   # wait_until needs a truthy value, even for a count of 0
        return None
    return check


# ---------------------------------------------------------------- retries
def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """"Full jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*): a random wait
    between 0 and min(cap, base x 2^attempt) before retry number ``attempt`` (0 = the first
    retry). The randomness spreads the retries of clients that failed together."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    return rng.uniform(0, min(cap_s, base_s * 2 ** attempt))


def with_retries(call: Callable[[], dict], max_attempts: int = 8, base_s: float = 0.1,
                 cap_s: float = 2.0, rng: random.Random | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 retry_on: Sequence[int] = (429,)) -> dict:
    """Call until the status is not in ``retry_on`` or ``max_attempts`` calls were made.
    Returns the last answer plus ``attempts``, ``statuses`` (every answer in order),
    ``tried_at`` (when each attempt started, wall clock) and ``latency_ms`` = the whole wait
    the client saw, retries and backoff included."""
    rng = rng or random.Random()
    started, started_at, statuses, tried_at = time.perf_counter(), time.time(), [], []
    for attempt in range(max_attempts):
        answer = call()
        statuses.append(answer["status"])
        tried_at.append(answer.get("started_at", time.time()))
        if answer["status"] not in retry_on or attempt == max_attempts - 1:
            break
        sleep(backoff_delay(attempt, base_s, cap_s, rng))
    return {**answer, "attempts": len(statuses), "statuses": statuses, "tried_at": tried_at,
            "started_at": started_at, "latency_ms": (time.perf_counter() - started) * 1000}


# ---------------------------------------------------------------- the lesson's experiments
def post_order(url: str, order_id: str, headers: dict | None = None, **fields) -> dict[str, Any]:
    """POST {"order_id": ..., **fields} to ``url``/orders: one order, as the lesson's clients send it."""
    return http_call(f"{url}/orders", "POST", {"order_id": order_id, **fields}, headers=headers)


def get_with_token(url: str, token: str) -> dict[str, Any]:
    """GET ``url`` with an Authorization header: one request of a signed-in user."""
    return http_call(url, headers={"Authorization": token})


def burst_with_progress(label: str, call: Callable[[int], dict], n: int, concurrency: int) -> pd.DataFrame:
    """send_burst, with a progress bar that counts the answers."""
    with Progress(n, label) as progress:
        return send_burst(call, n=n, concurrency=concurrency, on_answer=progress.step)


def retry_burst(call: Callable[[int], dict], n: int, concurrency: int, label: str = "burst with retries",
                **retry_settings) -> pd.DataFrame:
    """A burst whose every request is sent through with_retries(**retry_settings)."""
    return burst_with_progress(label, lambda i: with_retries(lambda: call(i), **retry_settings),
                               n, concurrency)


def post_at_once(urls: dict[str, str], order_of: dict[str, str], **fields) -> dict[str, dict]:
    """One order to each URL (name -> URL; ``order_of``: name -> order id), all sent at the same
    time from their own threads; -> name -> its answer."""
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        futures = {name: pool.submit(post_order, url, order_of[name], **fields) for name, url in urls.items()}
        return {name: future.result() for name, future in futures.items()}


def taking_turns(fronts: dict[str, Callable[[int], dict]], n_each: int, concurrency: int,
                 label: str = "fronts taking turns") -> dict[str, pd.DataFrame]:
    """``n_each`` requests to every front (name -> call(n), n = 0, 1, ...), sent as one burst in
    which the fronts take turns request by request, so that all meet the same machine, however
    busy it is. -> name -> that front's rows of the burst."""
    names = list(fronts)
    burst = burst_with_progress(label, lambda i: fronts[names[i % len(names)]](i // len(names)),
                                n=n_each * len(names), concurrency=concurrency)
    return {name: burst[burst["i"] % len(names) == k] for k, name in enumerate(names)}


def requests_per_second(frame: pd.DataFrame) -> float:
    """How many requests a second a burst achieved, first start to last answer."""
    return len(frame) / (frame["ended_at"].max() - frame["started_at"].min())


def burst_seconds(frame: pd.DataFrame) -> float:
    """From the first attempt of a burst sent through with_retries to its last answer."""
    return frame["ended_at"].max() - frame["tried_at"].map(min).min()


# ---------------------------------------------------------------- the orders table
def make_orders_table(ddb, name: str) -> str:
    """The table that counts charges (one item per order, key "pk"), once it is ACTIVE."""
    return make_table(ddb, name, "pk")


def charge_counter(dynamodb, table: str) -> Callable[..., dict[str, int]]:
    """``charges(*order_ids)`` -> order id -> how many times the payment ran for it (0: never),
    read consistently. ``dynamodb`` is a boto3 DynamoDB *resource*."""
    def charges(*order_ids: str) -> dict[str, int]:
        found = {}
        for start in range(0, len(order_ids), 100):          # BatchGetItem reads up to 100 keys
            keys = [{"pk": o} for o in order_ids[start:start + 100]]
            got = dynamodb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
            found.update({item["pk"]: int(item.get("charged", 0)) for item in got["Responses"][table]})
        return {o: found.get(o, 0) for o in order_ids}
    return charges


def wait_for_charges(charges: Callable[..., dict[str, int]], order_ids: Iterable[str], times: int = 1,
                     timeout: float = 30, what: str = "the charges") -> float:
    """Wait until every order was charged at least ``times`` times, with a progress bar that
    counts those orders (a charge can land seconds after the client got its answer).
    -> when that was seen (time.time())."""
    order_ids = list(order_ids)
    with Progress(len(order_ids), "charged" if times == 1 else f"charged {times} times") as progress:
        def all_charged() -> bool:
            done = sum(1 for n in charges(*order_ids).values() if n >= times)
            progress.step(done - progress.done)
            return done == len(order_ids)
        wait_until(all_charged, timeout=timeout, interval=0.2, what=what)
    return time.time()


# ---------------------------------------------------------------- the tables the lesson shows
def cold_and_warm(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The latencies of the requests that met a cold start and of the warm ones (column "cold")."""
    return {"cold start": frame[frame["cold"]]["latency_ms"], "warm": frame[~frame["cold"]]["latency_ms"]}


def latencies(values: pd.DataFrame | Iterable[float]) -> list[float]:
    """A burst's latencies: the latency_ms column of its rows, or the values themselves."""
    return list(values["latency_ms"] if isinstance(values, pd.DataFrame) else values)


def latency_table(groups: dict[str, pd.DataFrame | Iterable[float]]) -> pd.DataFrame:
    """One row per group that has values (latencies, or a burst's rows): n, p50, p90, p99, max
    (ms, rounded)."""
    rows = {name: latency_percentiles(latencies(values)) for name, values in groups.items()
            if len(latencies(values))}
    return pd.DataFrame(rows).T.round(0)


def timeout_table(answers: dict[str, dict], charges: dict[str, int], order_of: dict[str, str]) -> pd.DataFrame:
    """One row per API: what its client was answered, how long it waited, and how many times its
    order (``order_of``: API -> order id) had been charged when the answer came (``charges``)."""
    return pd.DataFrame([{"API": kind, "status": a["status"], "body": a["body"],
                          "client waited ms": round(a["latency_ms"]),
                          "charges when the client got its answer": charges[order_of[kind]]}
                         for kind, a in answers.items()])


def authorizer_invocations(logs, authorizer: str, api_id: str, since: float, minimum: int) -> int:
    """How many times the authorizer ran for this API: its "authorize" log lines naming the
    API, counted once the count is at least ``minimum`` and stops growing (logs arrive late)."""
    def count() -> int:
        lines = read_json_lines(logs, authorizer, since - 1, kind="authorize")
        return int((lines["api"] == api_id).sum()) if len(lines) else 0
    return int(wait_until(settled(count, minimum=minimum), timeout=60, interval=0.3,
                          what=f"the authorizer log lines of API {api_id}"))


def authorizer_table(traffic: dict[int, pd.DataFrame], invocations: dict[int, int], timing: str) -> pd.DataFrame:
    """One row per authorizer TTL: requests, their answers, authorizer invocations (per request)
    and the p50 the clients saw."""
    return pd.DataFrame([{"TTL s": ttl, "requests": len(frame), "answers": count_statuses(frame["status"]),
                          "authorizer invocations": invocations[ttl],
                          "invocations per request": round(invocations[ttl] / len(frame), 2),
                          f"p50 ms ({timing})": round(latency_percentiles(frame["latency_ms"])["p50"])}
                         for ttl, frame in traffic.items()])


# ---------------------------------------------------------------- the price model
def monthly_api_price(requests_per_month: float, kind: str) -> float:
    """Modelled API Gateway request price per month (us-east-1 list prices in labkit.cost,
    tiers included, free tier not applied): kind "rest" ($3.50 per million for the first
    333M) or "http" ($1.00 per million for the first 300M, requests of up to 512 KB)."""
    return api_gateway_cost(requests_per_month, kind=kind).total_usd


def price_comparison(workloads: dict[str, float]) -> pd.DataFrame:
    """One row per workload (name -> requests per month): REST and HTTP API monthly price
    and what switching saves. Source of the prices: PRICE_SOURCE."""
    rows = []
    for name, requests in workloads.items():
        rest, http = monthly_api_price(requests, "rest"), monthly_api_price(requests, "http")
        rows.append({"workload": name, "requests/month": requests, "REST API $": round(rest, 2),
                     "HTTP API $": round(http, 2), "saved $": round(rest - http, 2),
                     "saved %": round(100 * (rest - http) / rest, 1) if rest else 0.0})
    return pd.DataFrame(rows)


PRICE_SOURCE = API_GATEWAY_PRICING

# The seeds' traffic, priced in the lesson's last section: seed 003 before and after its
# growth, seed 004's three workloads (per day x 30).
SEED_WORKLOADS = {
    "seed 003 before (2M requests/month)": 2_000_000,
    "seed 003 after (10M/month)": 10_000_000,
    "seed 004 workload 1 (1K/day)": 1_000 * 30,
    "seed 004 workload 2 (100K/day)": 100_000 * 30,
    "seed 004 workload 3 (2M/day)": 2_000_000 * 30,
}


def __getattr__(name: str):
    """The plots moved to front_door_figures.py; importing them from here still works."""
    if name in ("plot_latency_groups", "plot_retry_timeline"):
        from labkit.lessons import front_door_figures
        return getattr(front_door_figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
