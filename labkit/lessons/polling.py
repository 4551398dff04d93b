"""Wait for asynchronous things (log delivery, queue draining) with a deadline, never a fixed sleep."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def poll(predicate: Callable[[], T], timeout: float, interval: float = 0.2) -> T:
    """Call ``predicate`` until it returns something truthy or ``timeout`` seconds pass; return
    its last value (falsy when the deadline passed). It is always called at least once, and
    once more right at the deadline, so a slow machine only costs time, never a false failure
    caused by the last sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        remaining = deadline - time.monotonic()
        if value or remaining <= 0:
            return value
        time.sleep(min(interval, remaining))


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.2,
               what: str | Callable[[], str] = "the condition") -> T:
    """``poll``, and raise TimeoutError (naming ``what``) if the deadline passes first.
    ``what`` may be a function, called at the deadline: it can say what was still missing."""
    value = poll(predicate, timeout, interval)
    if not value:
        raise TimeoutError(f"gave up waiting for {what() if callable(what) else what} after {timeout:.0f} s")
    return value
