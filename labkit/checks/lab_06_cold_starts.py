"""Checks for lab 06 (cold starts): trim a handler's init, size provisioned concurrency.

The learner edits ``lab06_prices.py``. ``handler(event, context)`` answers price look-ups
``{"item": str}`` -> ``{"item", "price"}`` (most requests) and, rarely, a sales report
``{"action": "report", "sales": [[item, qty], ...]}`` -> ``{"revenue": {item: cents}, "total"}``.
The original (labkit/labs/lab_06_given/prices.py) imports pandas and numpy at module level, so
every cold start pays for them although only reports use pandas. ``provisioned_for(event,
context)`` gets a recorded burst ``{"requests": [[start_s, end_s], ...]}`` and answers
``{"provisioned": n}``.

What the checks measure:
  * cold-start-ratio: the CPU time of the init of a fresh execution environment (importing
    the module, what Lambda's Init Duration measures) of the learner's file vs the original,
    median of a few interleaved samples, in the check sandbox (labkit.checks.sandbox);
  * answers-unchanged: a warming ping ``{"warmer": true}`` is answered ``{"warmed": true}``
    (seed 003's scheduled pings) and every other answer equals the original's, including a
    report that is the very first request of a new environment;
  * no-cold-starts: the burst is replayed on the backend against an alias with the learner's
    provisioned concurrency; the REPORT lines must show no Init Duration (AWS: invocations
    served by provisioned concurrency have no cold start, "Configuring provisioned
    concurrency"; beyond it, requests spill over to on-demand environments);
  * right-sized: exactly the burst's peak concurrency (fewer spill over to cold starts; more
    are billed per hour whether used or not: labkit.cost.provisioned_cost).
"""
from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from typing import Any

from labkit.checks.framework import Lab, Scenario
from labkit.labs.lab_06_cold_starts import ORIGINAL_SOURCE, PUBLIC_TRAFFIC, SLOT_S
from labkit.lessons.cold_start_lesson import fire_at, timed_invoke
from labkit.lessons.concurrency import peak_concurrency

LAB = Lab(
    "06", "Cold starts: trim the init, provision for the burst", handler_file="lab06_prices.py",
    notebook="06_cold_starts.ipynb",
    tasks={
        "task-1": "Cut the cold start's init work below a tenth of the original's",
        "task-2": "Answer warming pings, and every other request as before",
        "task-3": "Provision exactly enough for the burst",
    },
    lesson_sections={
        "task-1": "2 · Heavy imports at module level vs lazy initialisation",
        "task-2": "5 · A warming ping keeps one environment warm",
        "task-3": "4 · Provisioned concurrency",
    },
)
HANDLER_TIMEOUT_S = 30.0    # a report on a loaded machine imports pandas inside the handler
TARGET_RATIO = 0.1          # learner init work / the original (numpy alone measures 0.2-0.4)
SAMPLES = 5                 # cold starts measured per file, interleaved
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}

EMPTY_SOURCE = "def handler(event, context):\n    return None\n"   # what starting costs alone
_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
          "Principal": {"Service": "lambda.amazonaws.com"}}]}

# The function the burst is replayed against: the checks' own code, never the learner's.
REPLAY_SOURCE = '''
import time


def handler(event, context):
    # hold the environment until the request's planned end (wall clock), so a request that
    # started late on a busy machine still frees its environment on time for the next one
    time.sleep(max(0.0, event["until"] - time.time()))
    return {"held_until": event["until"]}
'''


# -- task 1 ------------------------------------------------------------------------------------

def _init_ms(s: Scenario, path: str) -> float:
    """One cold start of the file at ``path``: a new environment imports the module (what
    Lambda's Init Duration measures). Returns the CPU time of that import, measured inside
    the environment: wall time on a busy 2-core machine let a planted bug (numpy still
    imported at the top) pass now and then."""
    from labkit.checks.sandbox import Function

    fn = Function(path, env=_quiet_env(), endpoint_url=s.target.endpoint_url,
                  timeout_s=HANDLER_TIMEOUT_S, zygote=s.target.zygote)
    s.on_cleanup(fn.close)
    fn.prewarm(1)
    if fn.cold_starts != 1:  # init failed: an invocation reports why
        failure = fn.invoke({"item": "apple"})
        s.expect(False, observed=f"a new execution environment failed to start: "
                 f"{failure.describe()}", expected="the module to import without errors")
    return fn.init_cpu_ms[0]


def _quiet_env() -> dict[str, str]:
    # one BLAS thread: the sandbox's address-space limit is per process
    return {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@LAB.check("task-1", "cold-start-ratio", "a cold start does under a tenth of the original's "
           "init work", points=3,
           hint="Only report requests need pandas. Import it inside the code path that builds "
                "the report (Python caches the import, so only the first report of an "
                "environment pays), and drop imports the common path does not use (numpy).",
           public={"target": TARGET_RATIO, "samples": SAMPLES})
def cold_start_ratio(s: Scenario) -> None:
    folder = tempfile.TemporaryDirectory(prefix="labkit-original-")   # the checks' own files
    s.on_cleanup(folder.cleanup)
    os.chmod(folder.name, 0o755)
    files = {"learner": s.target.handler_path}
    for name, source in (("original", ORIGINAL_SOURCE), ("empty", EMPTY_SOURCE)):
        files[name] = os.path.join(folder.name, f"{name}_module.py")
        with open(files[name], "w") as f:
            f.write(source)
        os.chmod(files[name], 0o644)
    for path in files.values():          # warm-up, not measured: file caches, bytecode
        _init_ms(s, path)
    samples: dict[str, list[float]] = {name: [] for name in files}
    for _ in range(s.params["samples"]):  # interleaved: machine load hits all three alike
        for name, path in files.items():
            samples[name].append(_init_ms(s, path))
    median = {name: statistics.median(values) for name, values in samples.items()}
    # init work = time beyond starting an environment for an empty module
    work = {name: max(0.0, median[name] - median["empty"]) for name in ("learner", "original")}
    ratio = work["learner"] / max(work["original"], 1.0)
    s.evidence.update(init_ms={k: [round(x, 1) for x in v] for k, v in samples.items()},
                      ratio=round(ratio, 3))
    s.expect(ratio <= s.params["target"],
             observed=f"init work {work['learner']:.0f} ms of CPU vs {work['original']:.0f} ms for the "
                      f"original ({ratio:.0%}; medians of {s.params['samples']} cold starts, "
                      f"minus an empty module's {median['empty']:.0f} ms)",
             expected=f"at most {s.params['target']:.0%} of the original's init work")


# -- task 2 ------------------------------------------------------------------------------------

def _expected(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("warmer"):
        return {"warmed": True}
    if event.get("action") == "report":
        revenue: dict[str, int] = {}
        for item, qty in event["sales"]:
            revenue[item] = revenue.get(item, 0) + PRICES[item] * qty
        return {"revenue": revenue, "total": sum(revenue.values())}
    return {"item": event["item"], "price": PRICES[event["item"]]}


def _report(r: random.Random) -> dict[str, Any]:
    items = sorted(PRICES)
    return {"action": "report",
            "sales": [[r.choice(items), r.randint(1, 40)] for _ in range(r.randint(3, 9))]}


def _environments(r: random.Random) -> list[list[dict[str, Any]]]:
    """Two environments' worth of requests: one opens with a report, one with a ping."""
    price = lambda: {"item": r.choice(sorted(PRICES))}  # noqa: E731
    ping = {"warmer": True}
    return [[_report(r), price(), ping, _report(r)], [ping, price(), _report(r), price()]]


PUBLIC_ENVIRONMENTS = [
    [{"action": "report", "sales": [["apple", 3], ["fig", 1], ["apple", 2]]},
     {"item": "pear"}, {"warmer": True},
     {"action": "report", "sales": [["kiwi", 10], ["plum", 4]]}],
    [{"warmer": True}, {"item": "fig"}, {"item": "apple"},
     {"action": "report", "sales": [["pear", 7], ["pear", 1], ["fig", 2], ["kiwi", 5]]},
     {"item": "plum"}],
]


@LAB.check("task-2", "answers-unchanged", "pings answered, every other answer the original's, "
           "even on a cold environment", points=2,
           hint='Answer {"warmer": true} with {"warmed": true} before doing anything else. A '
                "report can be the very first request a new execution environment serves: the "
                "lazy import must happen in the report's own code path, not in a path an "
                "earlier request was expected to take.",
           public={"environments": PUBLIC_ENVIRONMENTS},
           hidden=lambda r: {"environments": _environments(r)})
def answers_unchanged(s: Scenario) -> None:
    answers = s.evidence.setdefault("answers", [])
    for number, events in enumerate(s.params["environments"], start=1):
        fn = s.function(_quiet_env(), timeout_s=HANDLER_TIMEOUT_S)   # a new environment each
        for position, event in enumerate(events, start=1):
            result = fn.invoke(event)
            answers.append({"environment": number, "request": position, "event": event,
                            **result.as_evidence()})
            kind = "ping" if event.get("warmer") else event.get("action", "price")
            where = f"request {position} of a new environment ({kind})"
            s.expect(result.ok, observed=f"{where} ended with {result.describe()}",
                     expected="an answer")
            s.expect(result.payload == _expected(event),
                     observed=f"{where} answered {result.describe()}",
                     expected=f"the original's answer {_expected(event)}")


# -- task 3 ------------------------------------------------------------------------------------

def _traffic(r: random.Random) -> list[list[float]]:
    """A recorded burst: staggered requests whose peak overlap is a seeded 3..6, plus more
    requests around them so that peak < number of requests. Times are whole slots apart, so no
    request ends at the very moment another starts (that would be a coin flip on replay)."""
    peak = r.randint(3, 6)
    core = r.randint(peak + 1, peak + 3)   # the moment all `peak` requests overlap
    slots = []
    for i in range(peak):                    # staggered starts and ends around `core`
        slots.append([core - 1 - i, core + 1 + r.randint(0, 2) + i])
    # after them, one long request with `peak` short ones one after another inside it: never
    # more than 2 in flight, yet the long one overlaps peak + 1 requests, so counting the
    # requests each request overlaps (instead of those in flight at one moment) is wrong here
    base = core + peak + 3                   # every staggered request has ended
    slots.append([base, base + 2 * peak + 1])
    slots += [[base + 1 + 2 * i, base + 2 + 2 * i] for i in range(peak)]
    horizon = base + 2 * peak + 2
    attempts = 0
    while len(slots) < peak + r.randint(3, 6) and attempts < 500:
        attempts += 1
        start = r.randint(0, horizon - 2)
        candidate = [start, start + r.randint(1, 3)]
        trial = slots + [candidate]
        ends = {e for _, e in trial}
        if any(st in ends for st, _ in trial):
            continue
        if peak_concurrency(trial) <= peak:
            slots = trial
    slots.sort()
    return [[round(a * SLOT_S, 2), round(b * SLOT_S, 2)] for a, b in slots]


def _provisioned(s: Scenario) -> int:
    fn = s.function({"LABKIT_HANDLER_NAME": "provisioned_for", **_quiet_env()},
                    timeout_s=HANDLER_TIMEOUT_S)
    result = fn.invoke({"requests": s.params["requests"]})
    answer = result.payload.get("provisioned") if result.ok and isinstance(result.payload, dict) \
        else None
    s.evidence["provisioned_for"] = result.as_evidence()
    s.expect(isinstance(answer, int) and not isinstance(answer, bool),
             observed=f"provisioned_for answered {result.describe()}",
             expected='{"provisioned": <a whole number>}')
    return answer


def _lambda_client(s: Scenario):
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {"region_name": "us-east-1", "config": Config(
        max_pool_connections=32, read_timeout=120, retries={"max_attempts": 0})}
    if s.target.endpoint_url:
        kwargs.update(endpoint_url=s.target.endpoint_url, aws_access_key_id="test",
                      aws_secret_access_key="test")
    return boto3.client("lambda", **kwargs)


def _replay(s: Scenario, provisioned: int) -> tuple[int, int]:
    """Replay the burst against an alias with ``provisioned`` environments; -> (cold, total)."""
    from labkit.deploy import deploy_function
    from labkit.lessons import wait_for_reports
    from labkit.lessons.cold_start_lesson import join_reports

    lam, logs, iam = _lambda_client(s), s.client("logs"), s.client("iam")
    name = f"{s.namespace}-replay"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"]
    s.on_cleanup(lambda: iam.delete_role(RoleName=name))
    deploy_function(lam, name, REPLAY_SOURCE, Timeout=30, MemorySize=128, Role=role["Arn"])
    s.on_cleanup(lambda: lam.delete_function(FunctionName=name))
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    if provisioned > 0:
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                               ProvisionedConcurrentExecutions=provisioned)
        s.on_cleanup(lambda: lam.delete_provisioned_concurrency_config(
            FunctionName=name, Qualifier="live"))
        deadline = time.monotonic() + 120
        while lam.get_provisioned_concurrency_config(
                FunctionName=name, Qualifier="live")["Status"] != "READY":
            if time.monotonic() > deadline:
                raise TimeoutError("provisioned concurrency did not become READY in 120 s")
            time.sleep(0.3)
    requests = s.params["requests"]
    since = time.time()
    calls = fire_at(lambda i: timed_invoke(lam, name, {"until": since + requests[i][1]}, "live"),
                    [start for start, _ in requests])
    joined = join_reports(calls, wait_for_reports(logs, name, len(calls), since=since - 1))
    s.evidence["replay"] = [{"start_s": a, "end_s": b, "cold": bool(c)}
                            for (a, b), c in zip(requests, joined["cold"])]
    return int(joined["cold"].sum()), len(calls)


@LAB.check("task-3", "no-cold-starts", "the replayed burst has no cold start", points=3,
           hint="Provision as many environments as requests are in flight at the busiest "
                "moment: sweep through the start and end times and keep the running maximum.",
           public={"requests": PUBLIC_TRAFFIC}, hidden=lambda r: {"requests": _traffic(r)})
def no_cold_starts(s: Scenario) -> None:
    provisioned = _provisioned(s)
    cold, total = _replay(s, max(0, min(provisioned, 50)))
    s.expect(cold == 0, observed=f"{cold} of {total} requests cold-started with "
             f"{provisioned} provisioned (REPORT lines with Init Duration)",
             expected="no cold start")


@LAB.check("task-3", "right-sized", "exactly the burst's peak concurrency", points=2,
           hint="Provisioned concurrency is billed every hour whether it serves requests or "
                "not: the number of requests is not the number in flight at once, and fewer "
                "than the peak lets the busiest moment spill over to cold starts.",
           public={"requests": PUBLIC_TRAFFIC}, hidden=lambda r: {"requests": _traffic(r)})
def right_sized(s: Scenario) -> None:
    from labkit import cost

    requests = s.params["requests"]
    peak = peak_concurrency(requests)
    provisioned = _provisioned(s)
    extra = max(0, provisioned - peak)
    waste = cost.provisioned_cost(extra, 512, hours=730).total_usd if extra else 0.0
    s.evidence.update(peak=peak, provisioned=provisioned, monthly_waste_usd_at_512mb=round(waste, 2))
    s.expect(provisioned <= peak,
             observed=f"{provisioned} provisioned for a peak of {peak} requests in flight "
                      f"(${waste:,.2f}/month wasted at 512 MB, modelled)",
             expected=f"{peak}")
    s.expect(provisioned >= peak,
             observed=f"{provisioned} provisioned for a peak of {peak} requests in flight: "
                      f"{peak - provisioned} would cold-start at the busiest moment",
             expected=f"{peak}")
