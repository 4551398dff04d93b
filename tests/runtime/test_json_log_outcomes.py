"""LogFormat JSON: failed invocations are logged as failures, in JSON."""
from __future__ import annotations

import json

from tests.runtime.conftest import invoke, log_messages, wait_for

FAILING = """
import time
def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    raise ValueError("card declined")
"""


def _records(logs, name, platform_reports: int) -> list[dict]:
    def ready():
        records = [json.loads(m) for m in log_messages(logs, name) if m.startswith("{")]
        done = [r for r in records if r.get("type") == "platform.report"]
        return len(done) >= platform_reports and records
    return wait_for(ready, what=f"{platform_reports} platform.report record(s) of {name}")


def _status(records, kind, request_id):
    return [r["record"]["status"] for r in records
            if r.get("type") == kind and r["record"]["requestId"] == request_id]


def test_unhandled_error_is_status_error_and_a_json_error_line(lam, logs, deploy):
    """AWS: with LogFormat JSON the runtime logs an unhandled exception as one JSON record
    with "level": "ERROR" and errorType, errorMessage, stackTrace (awslambdaric's JSON
    log_error, as the Lambda Python runtime does; Lambda Developer Guide, 'Configuring
    advanced logging controls for Lambda functions'), and the invocation's
    platform.runtimeDone / platform.report records carry "status": "error", not "success"
    (Lambda Developer Guide, 'Lambda Telemetry API Event schema reference': status is one of
    success, failure, error, timeout)."""
    name = deploy(FAILING, LoggingConfig={"LogFormat": "JSON"})
    _, error, payload, _ = invoke(lam, name)
    assert error == "Unhandled" and payload["errorType"] == "ValueError"
    records = _records(logs, name, 1)
    request_id = payload["requestId"]
    assert _status(records, "platform.runtimeDone", request_id) == ["error"]
    assert _status(records, "platform.report", request_id) == ["error"]
    errors = [r for r in records if r.get("level") == "ERROR"]
    assert len(errors) == 1, records
    assert errors[0]["errorType"] == "ValueError" and errors[0]["errorMessage"] == "card declined"
    assert any("raise ValueError" in frame for frame in errors[0]["stackTrace"])


def test_timeout_is_status_timeout(lam, logs, deploy):
    """AWS: an invocation stopped at its timeout reports "status": "timeout" in its
    platform.runtimeDone and platform.report records (Lambda Developer Guide, 'Lambda
    Telemetry API Event schema reference')."""
    name = deploy(FAILING, LoggingConfig={"LogFormat": "JSON"}, Timeout=1)
    _, error, payload, _ = invoke(lam, name, {"sleep": 30})
    assert error == "Unhandled" and payload["errorType"] == "Sandbox.Timedout"
    request_id = payload["errorMessage"].split()[1]
    records = _records(logs, name, 1)
    assert _status(records, "platform.runtimeDone", request_id) == ["timeout"]
    assert _status(records, "platform.report", request_id) == ["timeout"]
