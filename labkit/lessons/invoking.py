"""Invoking a function from a lesson: its answer and the round trip the caller saw, and warming
environments up before an experiment that is not about cold starts."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def invoke(lam, name: str, event: Any = None) -> tuple[Any, float]:
    """Invoke synchronously; -> (the handler's answer, round trip in ms). A function error
    raises, with the error document Lambda answered."""
    started = time.perf_counter()
    response = lam.invoke(FunctionName=name, Payload=json.dumps({} if event is None else event).encode())
    elapsed_ms = (time.perf_counter() - started) * 1000
    answer = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RuntimeError(f"{name} failed: {answer}")
    return answer, elapsed_ms


def warm_up(lam, function: str, environments: int = 5, event: Any = None) -> None:
    """Start `environments` execution environments at once (SQS pollers invoke up to five at
    once): a cold start longer than a visibility timeout makes SQS hand a message out twice
    (lesson 01), real, but not what every experiment is about."""
    payload = json.dumps({"Records": []} if event is None else event).encode()
    with ThreadPoolExecutor(environments) as pool:
        list(pool.map(lambda _: lam.invoke(FunctionName=function, Payload=payload),
                      range(environments)))
