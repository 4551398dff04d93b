"""labkit.lessons.progress_bar.Progress counts every step, also steps taken at once on worker
threads (lesson 11's bursts, lesson 13's planted bugs): it ends full, not short of its total."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from labkit.lessons.progress_bar import Progress


class SlowInt(int):
    """An int whose addition lets the other threads run between the read and the write."""

    def __add__(self, other):
        time.sleep(0.0005)
        return SlowInt(int(self) + other)


def test_steps_from_many_threads_all_count(capsys):
    progress = Progress(400, "steps")
    progress.done = SlowInt(0)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: progress.step(), range(400)))
    assert progress.done == 400
    assert capsys.readouterr().err.endswith("steps 400/400")
