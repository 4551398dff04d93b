"""Wait for asynchronous things (log delivery, queue draining) with a deadline, never a fixed sleep."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.2,
               what: str = "the condition") -> T:
    """Call ``predicate`` until it returns something truthy; return that value.

    Raises TimeoutError (naming ``what``) if the deadline passes first. The predicate is
    always called at least once, and once more right at the deadline, so a slow machine
    only costs time, never a false failure caused by the last sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(min(interval, remaining))
