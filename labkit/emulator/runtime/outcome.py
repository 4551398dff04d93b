"""Turn what happened to one invocation into AWS's answer: payload, FunctionError, log lines.

Error shapes (AWS Lambda docs "Troubleshoot invocation issues" / observed responses):
  * handler raised     -> the runtime's {"errorMessage","errorType","requestId","stackTrace"}
  * init failed        -> the runtime's init error, e.g. errorType Runtime.ImportModuleError
  * timeout            -> {"errorType":"Sandbox.Timedout",
                           "errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}
                          and the log line "<time> <id> Task timed out after 3.00 seconds"
  * process exited     -> {"errorType":"Runtime.ExitError",
                           "errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 1"}
                          ("signal: killed" when killed, e.g. for exceeding its memory)
  * response > 6 MB    -> errorType Function.ResponseSizeTooLarge
All of these are FunctionError "Unhandled" on the Invoke API. finish() puts it together:
the invocation's log lines (with START/END/REPORT) into CloudWatch Logs, and the answer.
"""
from __future__ import annotations

import json
import sys
import time

from labkit.emulator.runtime import cloudwatch, report
from labkit.emulator.runtime.invoke_result import InvokeResult
from labkit.lambda_outcomes import exit_error, report_status, timeout_error

MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100   # AWS message says 6291556 bytes
LOG_TAIL_BYTES = 4096


def error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def timeout_document(request_id: str, timeout_s: float) -> bytes:
    return json.dumps(timeout_error(timeout_s, request_id)).encode()


def exit_document(request_id: str, exit_code: int | None) -> bytes:
    return json.dumps(exit_error(exit_code, request_id)).encode()


def exit_log_line(request_id: str, exit_code: int | None) -> str:
    # AWS logs: "RequestId: <id> Error: Runtime exited with error: signal: killed" + "Runtime.ExitError"
    error = exit_error(exit_code, request_id)
    return f"{error['errorMessage']}\r{error['errorType']}"


def too_large_document() -> bytes:
    return error_document("Function.ResponseSizeTooLarge",
                          "Response payload size exceeded maximum allowed payload size (6291556 bytes).")


def split_lines(text: str) -> list[str]:
    """One CloudWatch event per line of output (the runtime folds multi-line errors with \\r)."""
    return [line for line in text.split("\n") if line.strip()]


def finish(cfg, env, inv, cold: bool) -> InvokeResult:
    """Logs, REPORT and the answer of invocation ``inv`` (environment.Invocation), which
    ``env`` (environment.Environment) of function ``cfg`` (config.FunctionConfig) ran."""
    json_logs = cfg.json_logs
    lines: list[tuple[float, str]] = []
    now = time.time()
    first_report = not env.cold_reported
    init_ms = env.init_ms if (first_report and not env.provisioned) else None
    if first_report:
        lines.append((env.created_at, report.init_start_line(json_logs, env.created_at)))
    before = env.read_log(inv.log_start if inv.delivered.is_set() else None)
    lines += [(now, line) for line in split_lines(before)]
    if inv.failure == "init":
        lines.append((now, f"INIT_REPORT Init Duration: {env.init_ms or 0:.2f} ms\tPhase: init\t"
                           f"Status: error\tError Type: {env.init_error_type}"))
    lines.append((now, report.start_line(inv.request_id, cfg.version, json_logs, now)))
    lines += [(now, line) for line in split_lines(env.read_log())]

    function_error: str | None = "Unhandled"
    max_used = max(env.memory_mb(peak=True), env.peak_mb)
    if inv.failure is None and inv.error_type is None:
        payload, function_error = inv.result, None
        if len(payload) > MAX_RESPONSE_BYTES:
            payload, function_error = too_large_document(), "Unhandled"
    elif inv.failure is None:
        payload = inv.result
    elif inv.failure == "init":
        payload = env.init_error_body or error_document("Runtime.Unknown", "init failed")
    elif inv.failure in ("timeout", "init-timeout"):
        payload = timeout_document(inv.request_id, cfg.timeout_s)
        lines.append((now, report.timeout_line(inv.request_id, cfg.timeout_s, now)))
    else:  # the worker process exited or was killed (crash, SIGKILL, memory)
        env.wait_dead(5.0)
        if env.kill_reason == "memory":
            max_used = cfg.memory_mb
        payload = exit_document(inv.request_id, env.exit_code)
        lines.append((now, exit_log_line(inv.request_id, env.exit_code)))
    duration = inv.duration_ms
    status = report_status(inv.outcome)
    if function_error and status == "success":   # it returned, but Lambda refused the answer (> 6 MB)
        status = "error"
    lines.append((now, report.end_line(inv.request_id, json_logs, now, status)))
    lines.append((now, report.report_line(inv.request_id, duration, cfg.memory_mb,
                                          max(1, max_used), init_ms, json_logs, now,
                                          status=status)))
    env.cold_reported = True
    try:
        cloudwatch.write_lines(cfg.account, cfg.region, cfg.log_group, env.log_stream, lines)
    except Exception as exc:  # logs must never break an invocation
        print(f"labkit lambda-runtime: writing logs failed: {exc!r}", file=sys.stderr)
    tail = "\n".join(message for _, message in lines[-200:]).encode()[-LOG_TAIL_BYTES:]
    return InvokeResult(payload=payload, function_error=function_error,
                        log_tail=tail.decode("utf-8", errors="ignore"),
                        request_id=inv.request_id, duration_ms=duration,
                        cold=cold and not env.provisioned)
