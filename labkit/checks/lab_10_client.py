"""Lab 10, task 3: the clients that run the learner's ``call_with_retries`` (in the check
sandbox, never in the checking process: this file is the sandboxed function's handler, and it
imports the learner's file named by $LEARNER_FILE).

``clients(event, context)``: event ``{"url", "paths": [...], "max_attempts", "base_s",
"cap_s"}``: one client thread per path, released together, each calling
``call_with_retries(send, max_attempts, base_s, cap_s, sleep)`` where ``send()`` makes one GET
of url + path and returns its HTTP status, and ``sleep`` records every wait it is asked for
(and waits). Answers, per client: every attempt (start, end, status), the waits asked for,
what ``call_with_retries`` returned, and the error it raised, if any. Standard library only.
"""
from __future__ import annotations

import importlib.util
import os
import threading
import time
import urllib.error
import urllib.request


def _learner():
    spec = importlib.util.spec_from_file_location("lab10_learner", os.environ["LEARNER_FILE"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _get(url: str, attempt: int) -> int:
    request = urllib.request.Request(url, headers={"X-Attempt": str(attempt)})
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def clients(event, context):
    learner = _learner()
    paths = event["paths"]
    gate = threading.Barrier(len(paths))
    found = [None] * len(paths)

    def client(i: int) -> None:
        attempts, waits = [], []

        def send() -> int:
            started = time.time()
            status = _get(event["url"] + paths[i], len(attempts) + 1)
            attempts.append([started, time.time(), status])
            return status

        def sleep(seconds) -> None:
            waits.append(float(seconds))
            time.sleep(max(0.0, min(float(seconds), 30.0)))

        outcome = {"path": paths[i], "attempts": attempts, "waits": waits}
        try:
            gate.wait(30)
            outcome["returned"] = learner.call_with_retries(
                send, event["max_attempts"], event["base_s"], event["cap_s"], sleep=sleep)
        except BaseException as exc:   # noqa: BLE001 - the learner's error is the answer
            outcome["error"] = f"{type(exc).__name__}: {exc}"[:300]
        found[i] = outcome

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found
