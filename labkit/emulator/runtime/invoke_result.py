"""InvokeResult, part of the runtime's Python API (documented in __init__.py, imported from
there: ``from labkit.emulator.runtime import InvokeResult``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class InvokeResult:
    """What one invocation returned, as the Invoke API would report it."""

    payload: bytes                 # the handler's JSON result, or the AWS error document
    function_error: str | None     # "Unhandled" when the function failed, else None
    log_tail: str                  # last 4 KB of this invocation's log (plain text)
    request_id: str
    duration_ms: float             # handler run time (the REPORT line's Duration)
    cold: bool                     # True when this invocation started a new environment
    executed_version: str = ""     # the version that ran ("$LATEST", "2"): weighted aliases
