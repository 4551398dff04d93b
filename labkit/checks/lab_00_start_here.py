"""Checks for lab 00 (warm-up): expensive setup once per execution environment.

The learner edits ``lab00_tax.py``. ``handler(event, context)`` answers
``{"country": "FR", "net_cents": 1000}`` with ``{"country": "FR", "gross_cents": 1200}``, using
the tax rates (percent) of a JSON configuration in the SSM parameter $TAX_RATES_PARAMETER, and
``{"country": ..., "error": "no tax rate"}`` for a country the configuration lacks. The file's
given ``load_config(ssm)`` is the expensive part (it prints ``{"kind": "config_loaded"}`` and
takes $CONFIG_LOAD_S seconds); the starter calls it, and creates its SSM client, inside the
handler, so every invocation pays for it.

The checks deploy the file as a Lambda function on the backend and read what Lambda itself
writes: one log stream per execution environment (AWS Lambda Developer Guide, "Sending Lambda
function logs to CloudWatch Logs": "Each log stream corresponds to an instance of your
function"), START/END/REPORT lines per invocation. Module-level code runs once per execution
environment, in the Init phase; the handler runs on every invocation (AWS Lambda Developer
Guide, "Understanding the Lambda execution environment lifecycle"; seeds 001 and 002).
  * answers-right: every answer uses the rates in the parameter (seeded in hidden scenarios);
  * init-once: across 20 invocations (sequential and concurrent) every environment loaded
    the configuration exactly once;
  * refreshes-config: a changed parameter is picked up within $CONFIG_TTL_S seconds, without
    loading on every call.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from labkit.checks.framework import Inconclusive, Lab, Scenario, inconclusive_if_timed_out
from labkit.lessons.logs import read_json_lines, read_log_messages, wait_for_reports

LAB = Lab(
    "00", "Warm-up: load the configuration once per environment", handler_file="lab00_tax.py",
    notebook="00_start_here.ipynb",
    tasks={
        "task-1": "Answer with the configured tax rate",
        "task-2": "Load the configuration once per execution environment",
        "task-3": "Pick up a changed configuration within CONFIG_TTL_S",
    },
    lesson_sections={
        "task-1": "2 · Deploy a first function with boto3",
        "task-2": "4 · Expensive setup: inside the handler or at module level?",
        "task-3": "7 · Traffic rate vs idle reaping (widget)",
    },
)
LOAD_S = 0.2            # the checks' own (short) configuration load time
TTL_S = 2.0             # task 3: how stale a warm environment's configuration may be
NEVER_S = 3600.0        # tasks 1-2: a TTL that never expires during a check
COUNTRIES = ["FR", "DE", "IT", "ES", "NL", "BE", "SE", "PL", "PT", "IE", "AT", "DK"]
PUBLIC_RATES = {"FR": 20, "DE": 19, "IT": 22, "ES": 21, "LU": 17}
PUBLIC_EVENTS = [{"country": "FR", "net_cents": 1000}, {"country": "DE", "net_cents": 1999},
                 {"country": "LU", "net_cents": 5}, {"country": "US", "net_cents": 1000},
                 {"country": "IT", "net_cents": 12345}, {"country": "ES", "net_cents": 0}]


def expected_answer(rates: dict[str, float], event: dict[str, Any]) -> dict[str, Any]:
    country = event["country"]
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rates[country] / 100))}


def _rates(r: random.Random) -> dict[str, float]:
    return {c: r.choice([r.randint(5, 27), round(r.uniform(4, 26), 1)])
            for c in r.sample(COUNTRIES, r.randint(3, 6))}


def _events(r: random.Random, rates: dict[str, float], count: int) -> list[dict[str, Any]]:
    known = sorted(rates)
    return [{"country": r.choice(known) if r.random() < 0.85 else "XX",
             "net_cents": r.randint(0, 100_000)} for _ in range(count)]


def _hidden(r: random.Random) -> dict[str, Any]:
    rates = _rates(r)
    events = _events(r, rates, 6)
    # every scenario asks about at least one country without a rate (a real code, or XX)
    events[r.randrange(len(events))]["country"] = r.choice(
        sorted(set(COUNTRIES) - set(rates)) + ["XX"])
    return {"rates": rates, "events": events}


class _Deployment:
    """The learner's file as a Lambda function, with its own configuration parameter."""

    def __init__(self, s: Scenario, rates: dict[str, float], ttl_s: float):
        self.s = s
        self.lam, self.ssm, self.logs = s.client("lambda"), s.client("ssm"), s.client("logs")
        # an SSM path, not a name under the prefix: created and deleted here
        self.parameter = f"/{s.namespace}/tax-rates"
        self.set_rates(rates)
        s.on_cleanup(lambda: self.ssm.delete_parameter(Name=self.parameter))
        source = Path(s.target.handler_path).read_text()
        self.name = s.create.function(
            "tax", {LAB.handler_file: source}, handler=f"{Path(LAB.handler_file).stem}.handler",
            Timeout=10, MemorySize=128, Environment={"Variables": {
                "TAX_RATES_PARAMETER": self.parameter, "CONFIG_LOAD_S": str(LOAD_S),
                "CONFIG_TTL_S": str(ttl_s)}})
        self.since = time.time() - 1
        self.answers: list[dict[str, Any]] = []
        s.evidence["answers"] = self.answers

    def set_rates(self, rates: dict[str, float]) -> None:
        self.rates = dict(rates)
        self.ssm.put_parameter(Name=self.parameter, Value=json.dumps(rates), Type="String",
                               Overwrite=True)

    def invoke(self, event: dict[str, Any]) -> Any:
        response = self.lam.invoke(FunctionName=self.name, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        self.answers.append({"event": event, "answer": payload,
                             "error": response.get("FunctionError")})
        if response.get("FunctionError"):   # a 0.2 s load over 10 s: a starved machine (hub test, 22c)
            inconclusive_if_timed_out(payload, f"the invocation with {event}",
                                      "an answer within the function's 10 s timeout")
        self.s.expect(not response.get("FunctionError"),
                      observed=f"the invocation with {event} failed: {payload}",
                      expected="an answer")
        return payload

    def expect_right(self, event: dict[str, Any], answer: Any) -> None:
        want = expected_answer(self.rates, event)
        self.s.expect(answer == want, observed=f"{event} was answered {answer}",
                      expected=f"{want} (rates {self.rates})")

    def loads_per_environment(self, invocations: int) -> tuple[Counter, set[str]]:
        """(config loads per log stream, log streams that served invocations)."""
        reports = wait_for_reports(self.logs, self.name, invocations, since=self.since)
        loads = read_json_lines(self.logs, self.name, self.since, kind="config_loaded")
        streams = self._streams_of_loads()
        environments = set(reports["log_stream"])
        self.s.evidence.update(environments=len(environments), config_loads=len(loads),
                               loads_per_environment=dict(streams))
        return streams, environments

    def _streams_of_loads(self) -> Counter:
        streams: Counter = Counter()
        for event in read_log_messages(self.logs, self.name, self.since):
            text = event["message"].strip()
            if text.startswith("{") and '"config_loaded"' in text:
                streams[event.get("logStreamName", "")] += 1
        return streams


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "answers-right", "answers use the configured tax rates", points=2,
           hint="Look the country up in the loaded configuration: gross_cents = "
                "round(net_cents * (1 + rate / 100)); a country without a rate is answered "
                '{"country": ..., "error": "no tax rate"}, not an exception.',
           public={"rates": PUBLIC_RATES, "events": PUBLIC_EVENTS}, hidden=_hidden)
def answers_right(s: Scenario) -> None:
    d = _Deployment(s, s.params["rates"], NEVER_S)
    for event in s.params["events"]:
        d.expect_right(event, d.invoke(event))


# -- task 2 ------------------------------------------------------------------------------------

def _twenty_invocations(d: _Deployment, events: list[dict[str, Any]], burst: int) -> int:
    """Sequential calls, then a concurrent burst (more environments), then sequential again."""
    done = 0
    plan = [events[: (20 - burst) // 2], events[(20 - burst) // 2: (20 - burst) // 2 + burst],
            events[(20 - burst) // 2 + burst:]]
    for event in plan[0]:
        d.expect_right(event, d.invoke(event))
        done += 1
    with ThreadPoolExecutor(max_workers=burst) as pool:
        answers = list(pool.map(d.invoke, plan[1]))
    for event, answer in zip(plan[1], answers):
        d.expect_right(event, answer)
        done += 1
    for event in plan[2]:
        d.expect_right(event, d.invoke(event))
        done += 1
    return done


@LAB.check("task-2", "init-once", "20 invocations load the configuration once per environment",
           points=3,
           hint="Code at module level runs once, when an execution environment imports your "
                "file; the handler runs on every invocation. Create the SSM client and call "
                "load_config() at module level (or the first time, keeping the result in a "
                "global), and only look the rate up inside the handler.",
           public={"rates": PUBLIC_RATES, "events": PUBLIC_EVENTS * 3 + PUBLIC_EVENTS[:2],
                   "burst": 4},
           hidden=lambda r: {"rates": (rates := _rates(r)), "events": _events(r, rates, 20),
                             "burst": r.randint(3, 5)})
def init_once(s: Scenario) -> None:
    d = _Deployment(s, s.params["rates"], NEVER_S)
    invocations = _twenty_invocations(d, s.params["events"], s.params["burst"])
    loads, environments = d.loads_per_environment(invocations)
    total = sum(loads.values())
    s.expect(total > 0, observed="no config_loaded line in the function's logs",
             expected="load_config() to run (once per environment)")
    s.expect(total == len(environments) and set(loads) == environments,
             observed=f"{total} configuration loads for {invocations} invocations served by "
                      f"{len(environments)} execution environment(s)",
             expected=f"exactly one load per environment ({len(environments)})")


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "refreshes-config", "a changed configuration is used within CONFIG_TTL_S",
           points=2,
           hint="Remember when you loaded the configuration (time.time()) and load it again in "
                "the handler when it is older than TTL_S. A warm environment can live for hours: "
                "without a refresh it answers with yesterday's rates.",
           public={"rates": PUBLIC_RATES, "new_rates": {**PUBLIC_RATES, "FR": 5.5, "DE": 7},
                   "event": {"country": "FR", "net_cents": 1000}, "ttl_s": TTL_S},
           hidden=lambda r: {"rates": (rates := _rates(r)),
                             "new_rates": {c: v + r.randint(1, 5) for c, v in rates.items()},
                             "event": {"country": r.choice(sorted(rates)),
                                       "net_cents": r.randint(100, 99_999)},
                             "ttl_s": TTL_S})
def refreshes_config(s: Scenario) -> None:
    ttl_s, event = s.params["ttl_s"], s.params["event"]
    d = _Deployment(s, s.params["rates"], ttl_s)
    d.expect_right(event, d.invoke(event))
    calls: list[tuple[float, float]] = []   # (sent, answered) of each call from here on

    def timed_invoke():
        sent = time.monotonic()
        answer = d.invoke(event)
        calls.append((sent, time.monotonic()))
        return answer

    timed_invoke()   # warm: from here, the gaps between calls are the function's idle times
    changed_at = time.monotonic()
    d.set_rates(s.params["new_rates"])
    invocations, deadline = 2, changed_at + ttl_s + 8.0   # slack for a loaded machine
    while True:
        answer = timed_invoke()
        invocations += 1
        if answer == expected_answer(d.rates, event):
            break
        s.expect(time.monotonic() < deadline,
                 observed=f"still {answer} {time.monotonic() - changed_at:.0f} s after the "
                          f"parameter changed (CONFIG_TTL_S={ttl_s:g})",
                 expected=f"{expected_answer(d.rates, event)} within about {ttl_s:g} s")
        time.sleep(0.25)
    # A busy function is the premise: a configuration that expires only after TTL_S *idle*
    # would refresh as well if the machine spaced two calls TTL_S apart (from one call's
    # sending to the next one's answer bounds the time between their handlers)
    longest = max(later[1] - earlier[0] for earlier, later in zip(calls, calls[1:]))
    if longest >= ttl_s:
        raise Inconclusive(f"two calls {longest:.1f} s apart before the new configuration was "
                           f"used (the machine was slow), so an idle-only expiry would refresh too",
                           f"calls less than CONFIG_TTL_S={ttl_s:g} s apart, as in a busy function")
    elapsed = time.monotonic() - changed_at
    loads, environments = d.loads_per_environment(invocations)
    allowed = 2 + int(elapsed / ttl_s) + 1        # initial + refreshes in the time that passed
    worst = max(loads.values(), default=0)
    s.expect(worst <= allowed,
             observed=f"{worst} configuration loads in one environment over {invocations} "
                      f"invocations in {elapsed:.1f} s",
             expected=f"a load only when the configuration is older than {ttl_s:g} s "
                      f"(at most {allowed})")
