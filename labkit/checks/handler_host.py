"""One execution environment for a learner's handler, as a process (a tiny Lambda sandbox).

    python -m labkit.checks.handler_host PATH.py [HANDLER_NAME]

Init: imports the module at PATH once (like Lambda's init phase), then answers one JSON line
per event read from stdin: {"ok": result} or {"error": {"errorType", "errorMessage"}}.
The learner's prints go to stderr (the environment's log), never into the protocol.
The parent enforces the timeout by killing this process, as Lambda kills a timed-out
environment.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import uuid


class Context:
    """The parts of the Lambda context object handlers commonly use."""

    def __init__(self, function_name: str, timeout_s: float):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException) -> dict:
    return {"errorType": type(exc).__name__, "errorMessage": str(exc)[:2000],
            "stackTrace": traceback.format_exception(exc)[-5:]}


def main() -> None:
    path = sys.argv[1]
    handler_name = sys.argv[2] if len(sys.argv) > 2 else "handler"
    timeout_s = float(os.environ.get("LABKIT_HANDLER_TIMEOUT", "10"))
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # print() in learner code lands in the log, not in our protocol
    sys.stdout = sys.stderr
    try:
        spec = importlib.util.spec_from_file_location("learner_handler", path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec.loader.exec_module(module)
        handler = getattr(module, handler_name)
    except BaseException as exc:  # init failed: Lambda reports Runtime.ImportModuleError
        protocol.write(json.dumps({"init_error": _error(exc)}) + "\n")
        return
    protocol.write(json.dumps({"ready": True}) + "\n")
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "learner-function")
    for line in sys.stdin:
        event = json.loads(line)
        try:
            result = handler(event, Context(function_name, timeout_s))
            reply = {"ok": json.loads(json.dumps(result, default=str))}
        except BaseException as exc:  # noqa: BLE001 - every failure is the handler's answer
            reply = {"error": _error(exc)}
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
