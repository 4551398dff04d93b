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
All of these are FunctionError "Unhandled" on the Invoke API.
"""
from __future__ import annotations

import json
import signal

MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100   # AWS message says 6291556 bytes

_SIGNAL_WORDS = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault",
                 signal.SIGABRT: "aborted", signal.SIGTERM: "terminated", signal.SIGBUS: "bus error"}


def exit_description(exit_code: int | None) -> str:
    """Go-style, as the Lambda service words it: "exit status 1" / "signal: killed"."""
    if exit_code is None or exit_code == -signal.SIGKILL:
        return "signal: killed"
    if exit_code < 0:
        sig = signal.Signals(-exit_code)
        return "signal: " + _SIGNAL_WORDS.get(sig, sig.name.lower())
    return f"exit status {exit_code}"


def error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def timeout_document(request_id: str, timeout_s: float) -> bytes:
    return error_document("Sandbox.Timedout",
                          f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds")


def exit_document(request_id: str, exit_code: int | None) -> bytes:
    return error_document("Runtime.ExitError",
                          f"RequestId: {request_id} Error: Runtime exited with error: "
                          f"{exit_description(exit_code)}")


def exit_log_line(request_id: str, exit_code: int | None) -> str:
    # AWS logs: "RequestId: <id> Error: Runtime exited with error: signal: killed" + "Runtime.ExitError"
    return (f"RequestId: {request_id} Error: Runtime exited with error: "
            f"{exit_description(exit_code)}\rRuntime.ExitError")


def too_large_document() -> bytes:
    return error_document("Function.ResponseSizeTooLarge",
                          "Response payload size exceeded maximum allowed payload size (6291556 bytes).")


def split_lines(text: str) -> list[str]:
    """One CloudWatch event per line of output (the runtime folds multi-line errors with \\r)."""
    return [line for line in text.split("\n") if line.strip()]
