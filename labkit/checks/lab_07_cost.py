"""Checks for lab 07 (cost): choose a memory size, bill a pipeline from its own logs.

The learner edits ``lab07_cost.py``, two functions (each called like a handler):

``choose_memory(event, context)``: event ``{"measurements": [{"memory_mb", "duration_ms"}, ...],
"requests_per_month", "latency_target_ms", "arch"}`` -> ``{"memory_mb", "monthly_usd"}``: the
memory size whose measured duration meets the target at the lowest monthly Lambda cost
(requests + GB-s, no free tier), or ``{"memory_mb": None, "monthly_usd": None}`` when none does.

``monthly_bill(event, context)``: event ``{"since": epoch_s, "monthly_invocations": {function
name: invocations per month}}`` -> ``{"lambda_usd", "logs_usd", "total_usd"}``: the month of
each function, scaled from the invocations its CloudWatch Logs show since ``since``: Lambda
(requests + billed GB-s including INIT, no free tier) and CloudWatch Logs ingestion (the bytes
of every log event, no free tier).

The checks compare with labkit.cost (the model) within TOLERANCE. Public scenarios have fixed
workloads; hidden ones are drawn from the instructor's seed.
"""
from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labkit import cost
from labkit.checks.framework import Lab, Scenario
from labkit.lessons.cost_lesson import modelled_duration_ms, modelled_monthly_bill

LAB = Lab(
    "07", "Cost: the cheapest configuration, and a bill from the logs", handler_file="lab07_cost.py",
    notebook="07_cost.ipynb",
    tasks={
        "task-1": "Choose the cheapest memory that meets a latency target",
        "task-2": "Price a pipeline's Lambda usage from its REPORT lines",
        "task-3": "Add the pipeline's CloudWatch Logs ingestion",
    },
    lesson_sections={
        "task-1": "2 · Memory sweep: the power-tuning curve",
        "task-2": "1 · Price what actually ran",
        "task-3": "4.3 DEBUG logging in production",
    },
)
TOLERANCE = 0.02            # relative: 2 % of the model's figure
HANDLER_TIMEOUT_S = 60.0    # monthly_bill reads several log groups on a loaded machine
MEMORY_SIZES = [128, 256, 512, 768, 1024, 1536, 1769, 2048, 3008]


def _close(observed: Any, expected: float) -> bool:
    return isinstance(observed, (int, float)) and abs(observed - expected) <= TOLERANCE * max(expected, 1e-9)


# -- task 1 ------------------------------------------------------------------------------------

def _measurements(r: random.Random, cpu_ms: float, wait_ms: float) -> list[dict[str, float]]:
    """A power-tuning sweep: the AWS CPU rule plus a few % of measurement noise."""
    return [{"memory_mb": m,
             "duration_ms": round(modelled_duration_ms(cpu_ms, m, wait_ms) * r.uniform(1.0, 1.06), 2)}
            for m in MEMORY_SIZES]


def _case(seed: int, cpu_ms: float, wait_ms: float, requests: int, target_ms: float, arch: str):
    return {"measurements": _measurements(random.Random(seed), cpu_ms, wait_ms),
            "requests_per_month": requests, "latency_target_ms": target_ms, "arch": arch}


def _hidden_cases(r: random.Random) -> dict[str, Any]:
    cases = []
    for _ in range(3):
        cpu, wait = r.choice([20, 60, 150, 400]), r.choice([0, 10, 40, 150])
        fastest = modelled_duration_ms(cpu, 3008, wait)
        cases.append(_case(r.randrange(10**6), cpu, wait, r.choice([300_000, 2_000_000, 40_000_000]),
                           round(fastest * r.uniform(1.3, 4.0)), r.choice(["x86_64", "arm64"])))
    cases.append(_case(r.randrange(10**6), 300, 50, 1_000_000, 200, "x86_64"))  # nothing fast enough
    return {"cases": cases}


def _price(case: dict[str, Any], row: dict[str, float]) -> float:
    return cost.lambda_cost(case["requests_per_month"], row["duration_ms"], row["memory_mb"],
                            arch=case["arch"], free_tier=False).total_usd


@LAB.check("task-1", "choose-memory", "the cheapest memory that meets the latency target", points=3,
           hint="Keep only the measurements whose duration_ms is at most latency_target_ms; price "
                "each for a month (requests x $0.20/1M + requests x ms/1000 x MB/1024 x the GB-s "
                "price of the architecture, no free tier) and return the cheapest. When none is "
                "fast enough, return memory_mb None.",
           public={"cases": [_case(7, 120, 30, 5_000_000, 170, "x86_64"),
                             _case(8, 40, 200, 20_000_000, 400, "arm64"),
                             _case(9, 900, 0, 100_000, 300, "x86_64")]},
           hidden=_hidden_cases)
def choose_memory(s: Scenario) -> None:
    fn = s.function({"LABKIT_HANDLER_NAME": "choose_memory"}, timeout_s=HANDLER_TIMEOUT_S)
    for number, case in enumerate(s.params["cases"], start=1):
        fast_enough = [row for row in case["measurements"]
                       if row["duration_ms"] <= case["latency_target_ms"]]
        best = min((_price(case, row) for row in fast_enough), default=None)
        answer = fn.invoke(case)
        s.evidence[f"case {number}"] = {"answer": answer.as_evidence(), "cheapest_usd": best}
        s.expect(answer.ok and isinstance(answer.payload, dict),
                 observed=f"case {number}: choose_memory answered {answer.describe()}",
                 expected='a dict {"memory_mb": ..., "monthly_usd": ...}')
        memory, usd = answer.payload.get("memory_mb"), answer.payload.get("monthly_usd")
        if best is None:
            s.expect(memory is None, observed=f"case {number}: {memory} MB chosen",
                     expected=f"memory_mb None: no size meets {case['latency_target_ms']} ms")
            continue
        row = next((r for r in case["measurements"] if r["memory_mb"] == memory), None)
        s.expect(row is not None and row["duration_ms"] <= case["latency_target_ms"],
                 observed=f"case {number}: {memory} MB "
                          f"({row['duration_ms'] if row else '?'} ms measured)",
                 expected=f"a measured size that meets {case['latency_target_ms']} ms")
        s.expect(_price(case, row) <= best * (1 + 1e-6),
                 observed=f"case {number}: {memory} MB costs ${_price(case, row):,.2f}/month",
                 expected=f"the cheapest size that meets the target (${best:,.2f}/month)")
        s.expect(_close(usd, best), observed=f"case {number}: monthly_usd {usd!r}",
                 expected=f"${best:,.4f} within {TOLERANCE:.0%} (the model, labkit.cost)")


# -- tasks 2 and 3: a pipeline the check deploys and runs -------------------------------------

PIPELINE_SOURCE = '''
import json, os, time

time.sleep(float(os.environ["INIT_S"]))            # module-level setup: the INIT phase


def handler(event, context):
    time.sleep(float(os.environ["WORK_S"]))
    for line in range(int(os.environ["LOG_LINES"])):
        print(json.dumps({"step": line, "event": event}))
    return {"ok": True}
'''


def _stage(r: random.Random, name: str) -> dict[str, Any]:
    return {"name": name, "memory_mb": r.choice([128, 256, 512, 1024]),
            "init_s": r.choice([0.1, 0.2, 0.3]), "work_s": r.choice([0.005, 0.02, 0.05]),
            "log_lines": r.choice([0, 1, 5, 20]), "bursts": r.randint(1, 2),
            "burst": r.randint(2, 4), "sequential": r.randint(5, 12),
            "monthly": r.choice([500_000, 3_000_000, 25_000_000])}


PUBLIC_PIPELINE = {"stages": [
    {"name": "ingest", "memory_mb": 256, "init_s": 0.2, "work_s": 0.01, "log_lines": 1,
     "bursts": 1, "burst": 3, "sequential": 10, "monthly": 3_000_000},
    {"name": "enrich", "memory_mb": 512, "init_s": 0.1, "work_s": 0.03, "log_lines": 12,
     "bursts": 1, "burst": 2, "sequential": 8, "monthly": 3_000_000},
    {"name": "report", "memory_mb": 1024, "init_s": 0.3, "work_s": 0.05, "log_lines": 0,
     "bursts": 0, "burst": 0, "sequential": 4, "monthly": 30_000},
]}


def _hidden_pipeline(r: random.Random) -> dict[str, Any]:
    return {"stages": [_stage(r, n) for n in ("ingest", "enrich", "report")]}


def _run_pipeline(s: Scenario) -> tuple[dict[str, int], float, dict[str, list[dict]]]:
    """Deploy and invoke the stages; return monthly invocations by name, since, log events."""
    from labkit.lessons import read_log_messages, wait_for_reports

    lam, logs, iam = s.client("lambda"), s.client("logs"), s.client("iam")
    # a role per scenario: scenarios run in parallel, and a shared role created on first use
    # races (CreateRole: EntityAlreadyExists)
    role = iam.create_role(RoleName=f"{s.namespace}-role"[:64], AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    s.on_cleanup(lambda: iam.delete_role(RoleName=role["Role"]["RoleName"]))
    since = time.time() - 1
    names: dict[str, dict[str, Any]] = {}
    for stage in s.params["stages"]:
        name = s.create.function(stage["name"], PIPELINE_SOURCE, MemorySize=stage["memory_mb"],
                                 Timeout=30, Role=role["Role"]["Arn"],
                                 Environment={"Variables": {"INIT_S": str(stage["init_s"]),
                                                            "WORK_S": str(stage["work_s"]),
                                                            "LOG_LINES": str(stage["log_lines"])}})
        names[name] = stage

    def call(name: str, i: int) -> None:
        lam.invoke(FunctionName=name, Payload=json.dumps({"record": i, "source": "lab07-check"}))

    counts = {}
    with ThreadPoolExecutor(8) as pool:
        for name, stage in names.items():
            calls = 0
            for _ in range(stage["bursts"]):     # concurrent calls need more environments
                list(pool.map(lambda i: call(name, i), range(calls, calls + stage["burst"])))
                calls += stage["burst"]
            for _ in range(stage["sequential"]):
                call(name, calls)
                calls += 1
            counts[name] = calls
    events = {}
    for name, calls in counts.items():
        wait_for_reports(logs, name, calls, since=since, timeout=120)
        events[name] = read_log_messages(logs, name, since=since)
    return {n: st["monthly"] for n, st in names.items()}, since, events


def _bill_answer(s: Scenario) -> tuple[dict[str, Any], dict[str, float]]:
    monthly, since, events = _run_pipeline(s)
    expected = modelled_monthly_bill(monthly, events)
    fn = s.function({"LABKIT_HANDLER_NAME": "monthly_bill"}, timeout_s=HANDLER_TIMEOUT_S)
    answer = fn.invoke({"since": since, "monthly_invocations": monthly})
    s.evidence.update(answer=answer.as_evidence(), model=expected,
                      report_lines={n: len(cost.parse_reports(e)) for n, e in events.items()})
    s.expect(answer.ok and isinstance(answer.payload, dict),
             observed=f"monthly_bill answered {answer.describe()}",
             expected='a dict {"lambda_usd", "logs_usd", "total_usd"}')
    return answer.payload, expected


@LAB.check("task-2", "pipeline-lambda", "the Lambda part of the monthly bill, from REPORT lines",
           points=3,
           hint="Per function: scale = monthly invocations / REPORT lines seen. Requests: monthly x "
                "$0.20/1M. Duration: sum of Billed Duration (add Init Duration when Billed "
                "Duration does not already include it) x memory GB x scale x $/GB-s. No free tier.",
           public=PUBLIC_PIPELINE, hidden=_hidden_pipeline, hidden_count=1)
def pipeline_lambda(s: Scenario) -> None:
    answer, expected = _bill_answer(s)
    s.expect(_close(answer.get("lambda_usd"), expected["lambda_usd"]),
             observed=f"lambda_usd {answer.get('lambda_usd')!r}",
             expected=f"${expected['lambda_usd']:,.4f} within {TOLERANCE:.0%} (labkit.cost from the "
                      f"same REPORT lines)")


@LAB.check("task-3", "pipeline-logs", "CloudWatch Logs ingestion, and the total", points=2,
           hint="Every log event counts, Lambda's START/END/REPORT lines included: bytes of the "
                "messages (UTF-8) per invocation x monthly invocations, at $0.50 per GB "
                "(1 GB = 1024**3 bytes), no free tier. total_usd = lambda_usd + logs_usd.",
           public=PUBLIC_PIPELINE, hidden=_hidden_pipeline, hidden_count=1)
def pipeline_logs(s: Scenario) -> None:
    answer, expected = _bill_answer(s)
    s.expect(_close(answer.get("logs_usd"), expected["logs_usd"]),
             observed=f"logs_usd {answer.get('logs_usd')!r}",
             expected=f"${expected['logs_usd']:,.4f} within {TOLERANCE:.0%} (bytes of the log events "
                      f"x $0.50/GB)")
    s.expect(_close(answer.get("total_usd"), expected["total_usd"]),
             observed=f"total_usd {answer.get('total_usd')!r}",
             expected=f"${expected['total_usd']:,.4f} within {TOLERANCE:.0%}")
