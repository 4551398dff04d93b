"""What can become of one Lambda invocation, and how Lambda words it: one definition for the two
places that run a handler, the embedded backend's runtime (labkit.emulator.runtime: awslambdaric
workers) and the checks' sandbox (labkit.checks.sandbox: forked environments).

    outcome      what happened                                  error type           REPORT status
    ok           the handler returned                           -                    success
    error        the handler raised                             the exception's      error
    timeout      it ran past the function's timeout             Sandbox.Timedout     timeout
    crashed      its process exited during the invocation       Runtime.ExitError    error
    init_error   the module failed to load (the Init phase)     e.g. Runtime.ImportModuleError  error

Sources: AWS Lambda Developer Guide, "Troubleshoot invocation issues in Lambda" (the error types
and their messages) and "Understanding the Lambda execution environment lifecycle" (the Init
phase's 10 seconds, and its retry); Lambda Telemetry API reference, ``platform.report`` (status).
"""
from __future__ import annotations

import signal

OK, ERROR, TIMEOUT, CRASHED, INIT_ERROR = "ok", "error", "timeout", "crashed", "init_error"
OUTCOMES = (OK, ERROR, TIMEOUT, CRASHED, INIT_ERROR)

# AWS: "The Init phase is limited to 10 seconds. If all three tasks do not complete within 10
# seconds, Lambda retries the Init phase at the time of the first function invocation with the
# configured function timeout." (Lambda Developer Guide, execution environment lifecycle)
INIT_LIMIT_S = 10.0

# by name: Windows has no SIGKILL or SIGBUS (its exit codes are never negative)
_SIGNAL_WORDS = {getattr(signal, name): word for name, word in (
    ("SIGKILL", "killed"), ("SIGSEGV", "segmentation fault"), ("SIGABRT", "aborted"),
    ("SIGTERM", "terminated"), ("SIGBUS", "bus error")) if hasattr(signal, name)}
_SIGKILL = getattr(signal, "SIGKILL", 9)


def init_deadline_s(timeout_s: float) -> float:
    """How long the first invocation of an environment waits for its Init phase before it fails:
    10 s, or the function's timeout when that is longer (Lambda retries an overrun Init under
    the function's timeout). One attempt stands for Lambda's two: the outcome is the same for an
    init that always takes as long, and an init is never failed that Lambda would let finish."""
    return max(INIT_LIMIT_S, timeout_s)


def report_status(outcome: str) -> str:
    """The ``status`` of platform.runtimeDone / platform.report for an outcome."""
    if outcome not in OUTCOMES:
        raise ValueError(f"not an invocation outcome: {outcome!r}")
    return {OK: "success", TIMEOUT: "timeout"}.get(outcome, "error")


def exit_description(exit_code: int | None) -> str:
    """Go-style, as the Lambda service words it: "exit status 1" / "signal: killed" (None: the
    process was killed and its status is not known)."""
    if exit_code is None or exit_code == -_SIGKILL:
        return "signal: killed"
    if exit_code < 0:
        sig = signal.Signals(-exit_code)
        return "signal: " + _SIGNAL_WORDS.get(sig, sig.name.lower())
    return f"exit status {exit_code}"


def _with_request(request_id: str | None, message: str) -> str:
    return f"RequestId: {request_id} Error: {message}" if request_id else message


def timeout_error(timeout_s: float, request_id: str | None = None) -> dict[str, str]:
    """AWS: {"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: <id> Error: Task timed
    out after 3.00 seconds"}."""
    return {"errorType": "Sandbox.Timedout",
            "errorMessage": _with_request(request_id, f"Task timed out after {timeout_s:.2f} seconds")}


def exit_error(exit_code: int | None, request_id: str | None = None) -> dict[str, str]:
    """AWS: {"errorType": "Runtime.ExitError", "errorMessage": "RequestId: <id> Error: Runtime
    exited with error: exit status 1"} ("signal: killed" when it was killed)."""
    return {"errorType": "Runtime.ExitError",
            "errorMessage": _with_request(request_id,
                                          f"Runtime exited with error: {exit_description(exit_code)}")}
