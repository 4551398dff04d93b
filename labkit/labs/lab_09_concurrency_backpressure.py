"""Lab 09 (concurrency and backpressure): the worker that drains a backlog through a downstream
with a fixed number of connection slots, and the model of how long the drain should take (the
learner's notebook and the checks use the same numbers)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

WORKER_SOURCE = (Path(__file__).parent / "lab_09_given" / "worker.py").read_text()
BATCH_SIZE = 10
DEADLINE_FACTOR, DEADLINE_SLACK_S = 1.5, 4.0


def allowed_concurrency(params: dict[str, Any]) -> int:
    """Executions the downstream can take at once: whole executions' worth of connections."""
    return params["capacity"] // params["connections"]


def nominal_drain_s(params: dict[str, Any]) -> float:
    """The model: batches / concurrency x seconds per batch, at the allowed concurrency."""
    batches = math.ceil(params["backlog"] / BATCH_SIZE)
    return batches / allowed_concurrency(params) * BATCH_SIZE * params["service_s"]


def deadline_s(params: dict[str, Any]) -> float:
    return round(DEADLINE_FACTOR * nominal_drain_s(params) + DEADLINE_SLACK_S, 1)
