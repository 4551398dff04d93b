"""Concurrent executions from (start, end) times of invocations or requests: the peak, and
the count over time. An end and a start at the same instant do not overlap."""
from __future__ import annotations

from typing import Iterable

import pandas as pd


def peak_concurrency(intervals: Iterable[tuple[float, float]]) -> int:
    """The largest number of (start, end) intervals open at the same instant (exact, by
    sweeping the ends), e.g. ``peak_concurrency(zip(runs["started"], runs["ended"]))``."""
    edges = []
    for start, end in intervals:
        edges += [(float(start), 1), (float(end), -1)]
    edges.sort()  # at the same instant the end (-1) sorts first: touching intervals do not overlap
    peak = current = 0
    for _, delta in edges:
        current += delta
        peak = max(peak, current)
    return peak


def concurrency_over_time(intervals: Iterable[tuple[float, float]], step: float = 0.1) -> pd.DataFrame:
    """How many (start, end) intervals overlap at each time step: concurrent executions over
    time from invocation start/end times. Columns t, concurrent; empty input -> empty frame."""
    spans = [(float(a), float(b)) for a, b in intervals]
    if not spans:
        return pd.DataFrame(columns=["t", "concurrent"])
    first = min(a for a, _ in spans)
    last = max(b for _, b in spans)
    times = [first + i * step for i in range(int((last - first) / step) + 2)]
    counts = [sum(1 for a, b in spans if a <= t < b) for t in times]
    return pd.DataFrame({"t": [t - first for t in times], "concurrent": counts})
