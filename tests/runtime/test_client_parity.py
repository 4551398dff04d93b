"""The portable runtime client and awslambdaric show a function the same world.

Two embedded backends, one whose workers run AWS's awslambdaric, one whose workers run
the portable client (LABKIT_PORTABLE=1: also the psutil / no-prctl paths). Each case
deploys the same function on both, sends the same events, and compares everything a
learner sees: status, FunctionError, the response payload byte for byte (error documents
with their stackTrace), and the log tail of each invocation (the function's own lines,
error lines, START/END/REPORT). Only what differs between any two runs is masked: request
ids, timestamps, durations, trace ids, log stream names, the temporary code directory,
and Max Memory Used below the limit (two interpreters never use the same few MB).
"""
from __future__ import annotations

import base64
import concurrent.futures
import json
import re

import pytest

from labkit.deploy import deploy_function
from tests.runtime.conftest import make_client, start_server

CONTEXT = """
import logging, os, sys
def handler(event, context):
    remaining = context.get_remaining_time_in_millis()
    return {
        "type": type(context).__name__,
        "attributes": sorted(a for a in dir(context) if not a.startswith("_")),
        "fields": [context.aws_request_id, context.function_name, context.function_version,
                   context.invoked_function_arn, context.memory_limit_in_mb,
                   type(context.memory_limit_in_mb).__name__, context.log_group_name,
                   context.log_stream_name, context.client_context, context.tenant_id,
                   context.w3c()],
        "identity": repr(context.identity), "repr": repr(context),
        "remaining_in_timeout": 0 < remaining <= 3000,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "streams": [type(sys.stdout).__name__, type(sys.stderr).__name__],
        "root_logger": [[type(h).__name__ for h in logging.getLogger().handlers],
                        logging.getLogger().level, logging.Formatter.converter.__name__],
        "env": sorted(k for k in os.environ if k.startswith(("AWS_", "_", "LAMBDA_"))),
    }
"""

LOGS = """
import logging, sys
logger = logging.getLogger("orders")
def handler(event, context):
    print("print", {"a": 1})
    sys.stderr.write("to stderr\\n")
    logging.info("root info %s", 1)
    logging.debug("root debug")
    logger.warning("warning of %s", "orders")
    logger.info({"dict": "message"})
    logger.error("with extra", extra={"order_id": 7, "items": [1, 2]})
    context.log("context.log line\\n")
    try:
        {}["missing"]
    except KeyError:
        logger.exception("caught")
    if event.get("fail"):
        raise RuntimeError("after logging")
    return "done"
"""

ERRORS = """
import decimal
class CardDeclined(Exception):
    pass
def charge(amount):
    raise CardDeclined(f"card declined for {amount}")
def handler(event, context):
    how = event["how"]
    if how == "raise":
        charge(3)
    if how == "marshal":
        return {1, 2}
    if how == "bytes":
        return b"raw bytes"
    if how == "decimal":
        return {"price": decimal.Decimal("1.10"), "nan": decimal.Decimal("NaN"), "text": "é ☃"}
    if how == "nested":
        try:
            charge(1)
        except CardDeclined as e:
            raise ValueError("wrapped") from e
    return event
"""

LIMITS = """
import os, sys, time
def handler(event, context):
    print("about to", event["how"])
    if event["how"] == "sleep":
        time.sleep(5)
    if event["how"] == "os._exit":
        os._exit(3)
    if event["how"] == "sys.exit":
        sys.exit(2)
    if event["how"] == "memory":
        hog = []
        for _ in range(400):
            hog.append(bytearray(1024 * 1024))   # touch 1 MB at a time
    return "survived"
"""

LOG = {"LoggingConfig": {"LogFormat": "JSON"}}
# case: (source, handler, deploy config, events in order)
CASES = {
    "success-cold-then-warm": (ERRORS, "app.handler", {}, [{"how": "echo", "n": 1}, {"how": "echo", "n": 2}]),
    "raised-error": (ERRORS, "app.handler", {}, [{"how": "raise"}, {"how": "nested"}]),
    "marshalling": (ERRORS, "app.handler", {}, [{"how": "marshal"}, {"how": "bytes"}, {"how": "decimal"}]),
    "non-ascii-python3.12": (ERRORS, "app.handler", {"Runtime": "python3.12"}, [{"how": "decimal"}]),
    "preview-runtime-python3.15": (ERRORS, "app.handler", {"Runtime": "python3.15"}, [{"how": "echo"}]),
    "init-import-error": ("import no_such_module_anywhere\ndef handler(e, c):\n    return 1\n",
                          "app.handler", {}, [{}, {}]),
    "init-exception": ("x = 1\nraise RuntimeError('bad config')\n", "app.handler", {}, [{}]),
    "init-error-json": ("raise RuntimeError('bad config')\n", "app.handler", LOG, [{}]),
    "handler-missing": ("def handler(e, c):\n    return 1\n", "app.nope", {}, [{}]),
    "module-missing": ("def handler(e, c):\n    return 1\n", "nothere.handler", {}, [{}]),
    "syntax-error": ("def handler(e, c)\n    return 1\n", "app.handler", {}, [{}]),
    "text-logs-and-print": (LOGS, "app.handler", {}, [{}, {"fail": True}]),
    "json-logs": (LOGS, "app.handler", LOG, [{}, {"fail": True}]),
    "json-logs-level-warn": (LOGS, "app.handler", {"LoggingConfig": {
        "LogFormat": "JSON", "ApplicationLogLevel": "WARN"}}, [{}]),
    "context": (CONTEXT, "app.handler", {}, [{}, {}]),
    "context-fresh-process": (CONTEXT, "app.handler",   # a PYTHON* variable: no pre-started interpreter
                              {"Environment": {"Variables": {"PYTHONHASHSEED": "0"}}}, [{}]),
    "timeout": (LIMITS, "app.handler", {"Timeout": 1}, [{"how": "sleep"}, {"how": "fine"}]),
    "exit-errors": (LIMITS, "app.handler", {}, [{"how": "os._exit"}, {"how": "sys.exit"}]),
    "memory-limit": (LIMITS, "app.handler", {"MemorySize": 128, "Timeout": 30}, [{"how": "memory"}]),
}

MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<request-id>"),
    (re.compile(r"\d{4}/\d\d/\d\d/\[[^\]]+\][0-9a-f]{32}"), "<log-stream>"),
    (re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=\d"), "<trace-id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"labkit-lambda-[^/\"]+"), "labkit-lambda-<tmp>"),
    (re.compile(r"((?:Init |Billed )?Duration): [\d.]+ ms"), r"\1: <ms> ms"),
    (re.compile(r'"((?:init|billed)?[dD]urationMs)": [\d.]+'), r'"\1": <ms>'),
]


def masked(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    # Max Memory Used: kept when it is the limit (a memory kill), masked below it
    text = re.sub(r"Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB",
                  lambda m: m.group(0) if m.group(1) == m.group(2) else
                  f"Memory Size: {m.group(1)} MB\tMax Memory Used: <below limit> MB", text)
    return re.sub(r'"memorySizeMB": (\d+), "maxMemoryUsedMB": (\d+)',
                  lambda m: m.group(0) if m.group(1) == m.group(2) else
                  f'"memorySizeMB": {m.group(1)}, "maxMemoryUsedMB": "<below limit>"', text)


def observe(lam, name: str, event: dict) -> dict:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    tail = base64.b64decode(resp.get("LogResult", "")).decode()
    return {"status": resp["StatusCode"], "function_error": resp.get("FunctionError"),
            "payload": masked(resp["Payload"].read().decode()),
            "log": masked(tail).split("\n")}   # not splitlines(): "\r" folds an error's lines


def run_case(lam, name: str, case) -> list[dict]:
    source, handler, config, events = case
    deploy_function(lam, name, source, handler=handler, **config)
    return [observe(lam, name, event) for event in events]


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    """{client name: lambda client}: one backend per runtime client, checked to be running it."""
    envs = {"awslambdaric": {"LABKIT_PORTABLE": "0", "LABKIT_RUNTIME_CLIENT": "awslambdaric"},
            "portable": {"LABKIT_PORTABLE": "1", "LABKIT_RUNTIME_CLIENT": "auto"}}
    tmp_path_factory.getbasetemp()   # created once, before two threads ask for it
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        servers = dict(zip(envs, pool.map(lambda env: start_server(tmp_path_factory, **env),
                                          envs.values())))
    try:
        for client, server in servers.items():
            health = json.loads(__import__("urllib.request").request.urlopen(
                server.url + "/_labkit/health").read())
            assert health["components"]["lambda-runtime"]["runtime_client"]["name"] == client
        yield {client: make_client(server.url, "lambda") for client, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_clients_show_the_same(backends, case):
    name = f"parity-{case.replace('.', '-')}"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        seen = dict(zip(backends, pool.map(lambda lam: run_case(lam, name, CASES[case]),
                                           backends.values())))
    assert seen["portable"] == seen["awslambdaric"]
    # the comparison has substance: every invocation answered and logged its REPORT
    assert all(any(line.startswith("REPORT ") or '"platform.report"' in line for line in o["log"])
               for o in seen["portable"]), seen["portable"]
