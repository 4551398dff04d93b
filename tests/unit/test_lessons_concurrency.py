"""Concurrent executions from (start, end) times: the peak and the count over time."""
from __future__ import annotations

from labkit.lessons.concurrency import concurrency_over_time, peak_concurrency


def test_peak_concurrency_counts_overlaps_exactly():
    assert peak_concurrency([]) == 0
    assert peak_concurrency([(0, 1), (1, 2)]) == 1            # touching intervals do not overlap
    assert peak_concurrency([(0, 3), (1, 2), (1.5, 4), (5, 6)]) == 3
    assert peak_concurrency([(0, 1), (0.5, 1.5), (0.6, 0.7), (5, 6)]) == 3


def test_peak_concurrency_takes_columns_zipped():
    started, ended = [0, 1, 2], [1, 2, 3]                      # back to back
    assert peak_concurrency(zip(started, ended)) == 1


def test_concurrency_over_time_samples_the_overlap():
    curve = concurrency_over_time([(10.0, 11.0), (10.5, 12.0)], step=0.25)
    assert curve["t"].iloc[0] == 0.0                          # times are relative to the first start
    assert curve["concurrent"].max() == 2
    assert curve.loc[curve["t"] == 1.5, "concurrent"].item() == 1
