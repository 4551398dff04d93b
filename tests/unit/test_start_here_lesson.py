"""Lesson 00's helpers: the idle-reaping model, overlapping invocations, and the reaping
controls calling the experiment with their defaults."""
from __future__ import annotations

import io
import json
import math
import threading
import time

import pytest

from labkit.lessons.start_here_lesson import invoke_at_once, modelled_cold_share, reaping_controls


def test_the_reaping_model_is_the_chance_a_poisson_gap_exceeds_the_keep_alive():
    assert modelled_cold_share(5, 5) == pytest.approx(math.exp(-1))
    assert modelled_cold_share(0, 5) == 1.0                  # no keep-alive: every request is cold
    assert modelled_cold_share(5, 1) < modelled_cold_share(5, 15) < 1
    with pytest.raises(ValueError):
        modelled_cold_share(5, 0)


class OverlapCounter:
    """A Lambda client whose invocations take 0.2 s and remember how many ran at once."""

    def __init__(self):
        self.lock, self.running, self.most = threading.Lock(), 0, 0

    def invoke(self, FunctionName, Payload):  # noqa: N803 (boto3's names)
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self.lock:
            self.running -= 1
        return {"Payload": io.BytesIO(json.dumps({"got": json.loads(Payload)}).encode())}


def test_invocations_at_once_overlap_and_answer_in_order():
    lam = OverlapCounter()
    answers = invoke_at_once(lam, "f", 4, {"work_s": 0.5})
    assert answers == [{"got": {"work_s": 0.5}}] * 4
    assert lam.most == 4


def test_the_controls_run_the_experiment_once_with_their_defaults():
    seen = []
    reaping_controls(lambda interval, keep_alive, requests: seen.append((interval, keep_alive, requests)))
    assert seen == [(6, 5, 12)]
