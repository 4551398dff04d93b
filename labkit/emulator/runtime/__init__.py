"""The Lambda runtime of the embedded backend: real handler code, no Docker.

An *execution environment* is one worker OS process running a Lambda runtime client
against our Lambda Runtime API server (runtime_api.py): AWS's own
(``python -m awslambdaric module.handler``) where it installs (Linux), else our pure-Python
portable_client.py with the same observable behaviour (client_choice.py says which, and why). Environments are pooled per function version (service.py): init runs once
per environment, warm environments are reused, idle ones are reaped, each runs one
invocation at a time, and concurrency = number of environments (capped by the account
limit and by reserved concurrency). Logs (handler output + START/END/REPORT) go to the
CloudWatch Logs group ``/aws/lambda/NAME`` in moto's logs backend.

Python API (other components build on it; keep it stable)
---------------------------------------------------------
The runtime is the server component named ``"lambda-runtime"``::

    runtime = ctx.component("lambda-runtime")      # ctx = the running EmbeddedServer

    runtime.invoke(function_name_or_arn: str, payload: bytes, *,
                   qualifier: str | None = None,
                   invocation_type: str = "RequestResponse",
                   trace_header: str | None = None) -> InvokeResult
        Runs the handler and returns its result. ``invocation_type`` is
        "RequestResponse" (wait for the result), "Event" (queue it, AWS async retry
        semantics, return at once with an empty payload) or "DryRun" (check only).
        ``trace_header``: a caller's X-Amzn-Trace-Id, continued by the invocation (also
        an Event one). A weighted alias runs the version its draw picks; the result's
        ``executed_version`` says which.
        Raises ``Throttled`` when no execution environment may be started (reserved
        concurrency or account concurrency limit reached) and ``FunctionNotFound`` when
        the function/qualifier does not exist.

    runtime.add_listener(fn)
        ``fn(event: dict)`` is called after every invoke and every throttle with keys
        function_name (str), duration_ms (float), error (bool), throttled (bool),
        cold (bool), concurrent (int: the function's concurrent executions when the
        invocation started, including itself), timestamp (float, epoch seconds),
        qualifier (str | None: the alias or version invoked, None when unqualified),
        version (str: the version that ran, or would have) and weighted_alias (bool: the
        qualifier is an alias whose routing configuration weights an additional version).
        Listener exceptions are swallowed (printed) so they never break an invoke.

    runtime.force_cold_start(function_name: str) -> int
        Kills the function's idle and busy environments (busy invocations fail like a
        crashed sandbox); returns how many were stopped. The next invoke cold-starts.

    runtime.health() -> dict
        {"functions": {name: {"environments": n, "busy": n, "provisioned": n}, ...},
         "cpu_share": "emulated" | "off", "memory_limit": "enforced" | "off",
         "runtime_client": {"name": "awslambdaric" | "portable", "module": ..., "reason": ...},
         ...}

Environment variables: LABKIT_LAMBDA_IDLE_SECONDS (idle reaping, default 300),
LABKIT_LAMBDA_ACCOUNT_CONCURRENCY (default 1000), LABKIT_LAMBDA_CPU_SHARE=0 (turn the
CPU-share emulation off), LABKIT_LAMBDA_MEMORY_LIMIT=0 (turn memory enforcement off),
LABKIT_RUNTIME_CLIENT=awslambdaric|portable (default auto), LABKIT_PORTABLE=1 (take the
macOS/Windows paths on Linux: no /proc, no prctl, the portable client; for testing them).
"""
from __future__ import annotations

COMPONENT_NAME = "lambda-runtime"


class Throttled(Exception):
    """No execution environment may be started: AWS answers 429 TooManyRequestsException.

    ``reason`` is AWS's Reason field, e.g. "ReservedFunctionConcurrentInvocationLimitExceeded"
    or "ConcurrentInvocationLimitExceeded".
    """

    def __init__(self, reason: str, message: str = "Rate Exceeded.", concurrent: int = 0):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.concurrent = concurrent   # the function's executions in flight when refused


class FunctionNotFound(Exception):
    """The function (or the qualifier) does not exist: AWS answers 404 ResourceNotFoundException."""


def __getattr__(name: str):
    # Imported lazily: the component class (service.py) pulls in moto, and InvokeResult
    # (invoke_result.py) dataclasses, ~8 ms paid by every worker process of the portable
    # runtime client, which is started through this package.
    if name == "LambdaRuntime":
        from labkit.emulator.runtime.service import LambdaRuntime

        return LambdaRuntime
    if name == "InvokeResult":
        from labkit.emulator.runtime.invoke_result import InvokeResult

        return InvokeResult
    raise AttributeError(name)


__all__ = ["COMPONENT_NAME", "InvokeResult", "Throttled", "FunctionNotFound", "LambdaRuntime"]
