import math

import boto3
from labkit.cost import prices
from labkit.lessons import parse_report_line, read_log_messages

logs = boto3.client("logs")

REQUEST_USD = prices.LAMBDA_REQUESTS.usd / prices.LAMBDA_REQUESTS.per          # per request
GB_SECOND_USD = {"x86_64": prices.LAMBDA_X86_GB_S_FIRST_6B.usd,
                 "arm64": prices.LAMBDA_ARM_GB_S_FIRST_7_5B.usd}
LOGS_GB_USD = prices.CLOUDWATCH_LOGS_INGESTED_GB.usd


def choose_memory(event, context):
    ### BEGIN SOLUTION
    requests, arch = event["requests_per_month"], event["arch"]
    best = None
    for row in event["measurements"]:
        if row["duration_ms"] > event["latency_target_ms"]:
            continue                                   # too slow: not an option
        gb_seconds = requests * math.ceil(row["duration_ms"]) / 1000 * row["memory_mb"] / 1024
        monthly = requests * REQUEST_USD + gb_seconds * GB_SECOND_USD[arch]
        if best is None or monthly < best["monthly_usd"]:
            best = {"memory_mb": row["memory_mb"], "monthly_usd": monthly}
    return best or {"memory_mb": None, "monthly_usd": None}
    ### END SOLUTION
    ### STARTER: # your code here (task 1)
    ### STARTER: return {"memory_mb": None, "monthly_usd": None}


def monthly_bill(event, context):
    ### BEGIN SOLUTION
    lambda_usd = logs_usd = 0.0
    for name, monthly in event["monthly_invocations"].items():
        events = read_log_messages(logs, name, since=event["since"])
        reports = [r for r in (parse_report_line(e["message"].strip()) for e in events) if r]
        scale = monthly / len(reports)
        gb_seconds = 0.0
        for r in reports:
            billed_ms = r["billed_ms"]
            if r["cold"] and billed_ms < r["duration_ms"] + r["init_ms"]:
                billed_ms += math.ceil(r["init_ms"])   # INIT not inside Billed Duration yet
            gb_seconds += billed_ms / 1000 * r["memory_mb"] / 1024
        lambda_usd += monthly * REQUEST_USD + gb_seconds * scale * GB_SECOND_USD["x86_64"]
        ingested = sum(len(e["message"].encode("utf-8")) for e in events)
        logs_usd += ingested * scale / 1024 ** 3 * LOGS_GB_USD
    return {"lambda_usd": lambda_usd, "logs_usd": logs_usd, "total_usd": lambda_usd + logs_usd}
    ### END SOLUTION
    ### STARTER: # your code here (tasks 2 and 3)
    ### STARTER: return {"lambda_usd": 0.0, "logs_usd": 0.0, "total_usd": 0.0}
