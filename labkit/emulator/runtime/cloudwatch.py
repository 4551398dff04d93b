"""Write a function's log lines into moto's CloudWatch Logs backend, in-process.

Group ``/aws/lambda/NAME``, one stream per execution environment, as on AWS. moto's
put_log_events is not thread-safe (its own comment says so), hence the lock.
"""
from __future__ import annotations

import threading
import time

_lock = threading.Lock()


def write_lines(account: str, region: str, group: str, stream: str,
                lines: list[tuple[float, str]]) -> None:
    """lines: (epoch seconds, message). Creates the group and stream when missing."""
    if not lines:
        return
    from moto.logs.models import logs_backends

    backend = logs_backends[account][region]
    events = []
    last = 0
    for when, message in lines:
        ts = max(last, int(when * 1000))  # CloudWatch wants chronological order
        last = ts
        events.append({"timestamp": ts, "message": message})
    with _lock:
        backend.ensure_log_group(group)
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, events)


def now() -> float:
    return time.time()
