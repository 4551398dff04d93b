"""Invoking a Lambda function for an integration, under the integration timeout.

API Gateway stops waiting when the integration timeout passes (REST: 50 ms to 29 s, default
29 s; HTTP APIs: at most 30 s) but Lambda does not stop the function: it runs on, and its
side effects (a write to a table, a message sent) land after the client was told 504/503.
So the invocation runs on a thread of its own, and the gateway only waits for it.
"""
from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass

_FUNCTION_ARN = re.compile(r"(arn:[^:]+:lambda:[^:]+:[0-9]+:function:[^/]+?)(?:/invocations)?$")


def function_from_uri(uri: str | None) -> str | None:
    """The function ARN in an integration or authorizer URI (arn:aws:apigateway:{region}:
    lambda:path/2015-03-31/functions/{function arn}/invocations), or the URI itself when it
    already names a function (HTTP APIs accept a plain function ARN)."""
    if not uri:
        return None
    if "/functions/" in uri:
        uri = uri.split("/functions/", 1)[1]
    m = _FUNCTION_ARN.match(uri)
    return m.group(1) if m else (uri if not uri.startswith("arn:aws:apigateway") else None)


@dataclass
class CallOutcome:
    result: object = None          # an InvokeResult when the function answered in time
    timed_out: bool = False
    throttled: bool = False        # Lambda rejected the invocation (concurrency)
    missing: bool = False          # no such function
    error: BaseException | None = None


def call(runtime, function: str, payload: bytes, timeout_s: float | None) -> CallOutcome:
    """Invoke ``function`` synchronously; give up waiting (not the function) after timeout_s.
    ``timeout_s`` None waits for as long as the function runs."""
    from labkit.emulator.runtime import FunctionNotFound, Throttled

    outcome = CallOutcome()
    done = threading.Event()

    def run():
        try:
            outcome.result = runtime.invoke(function, payload)
        except Throttled:
            outcome.throttled = True
        except FunctionNotFound:
            outcome.missing = True
        except BaseException as exc:   # reported to the client as an internal error
            outcome.error = exc
            print(f"labkit: API Gateway could not invoke {function}: {exc!r}", file=sys.stderr)
        finally:
            done.set()

    threading.Thread(target=run, name="apigateway-invoke", daemon=True).start()
    if not done.wait(timeout_s):
        return CallOutcome(timed_out=True)   # the thread runs on, and so does the function
    return outcome
