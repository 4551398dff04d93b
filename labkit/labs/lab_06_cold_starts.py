"""Lab 06 (cold starts): the prices function the learner makes start faster, and the public
burst of requests whose peak concurrency they measure."""
from __future__ import annotations

from pathlib import Path

# a price look-up (most requests) and a daily sales report (rare), importing pandas and numpy
# at module level: every cold start pays for both
ORIGINAL_SOURCE = (Path(__file__).parent / "lab_06_given" / "prices.py").read_text()

SLOT_S = 0.3    # replay time unit: distinct interval ends are >= one slot apart
# [start, end] of each request, in seconds; peak 3: [4,9] [5,7] [6,10] at 6..7, then
# [4,9] [6,10] [8,11]
PUBLIC_TRAFFIC = [[round(a * SLOT_S, 2), round(b * SLOT_S, 2)] for a, b in
                  [[0, 2], [1, 3], [4, 9], [5, 7], [6, 10], [8, 11], [12, 14], [13, 16],
                   [15, 17]]]
