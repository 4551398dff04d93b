"""EMBEDDED-ONLY helper: count the Python work moto does per SQS call at a given depth.

Run as a subprocess (`python -m tests.conformance.embedded_only_sqs_cost_probe`): it applies
the SQS patches in-process (honouring LABKIT_DISABLE_PATCHES) and prints, as JSON, the
number of Python function calls of one send, one receive of 10 and ten deletes, at depth 20
and at depth 2,000. Counting calls, not time, keeps the test independent of machine load.
"""
from __future__ import annotations

import json
import sys

from labkit.emulator import patches

SQS_PATCHES = ["sqs_event_source", "sqs_flat_cost", "sqs_stale_receipts",
               "sqs_fifo_dedup_window", "sqs_fifo_order"]


class _Ctx:
    def __init__(self):
        self.components = []

    def add_component(self, c):
        self.components.append(c)
        return c

    def component(self, name):
        raise KeyError(name)


def calls_of(fn) -> int:
    count = 0

    def profiler(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profiler)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def measure(depth: int) -> dict[str, int]:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends["000000000099"]["us-east-1"]
    queue = backend.create_queue(f"probe-{depth}")
    for i in range(depth):
        backend.send_message(queue.name, f"filler {i}")
    backend.send_message(queue.name, "warm-up")
    out = {"send": calls_of(lambda: backend.send_message(queue.name, "x"))}
    received: list = []
    out["receive10"] = calls_of(lambda: received.extend(
        backend.receive_message(queue.name, 10, 0, 30, ["All"])))
    out["delete10"] = calls_of(lambda: [backend.delete_message(queue.name, m.receipt_handle)
                                        for m in received])
    return out


def main() -> None:
    skip = patches.disabled_patches()
    ctx = _Ctx()
    for name in SQS_PATCHES:
        module = __import__(f"labkit.emulator.patches.{name}", fromlist=["apply"])
        if module.NAME not in skip:
            module.apply(ctx)
    print(json.dumps({"shallow": measure(20), "deep": measure(2000)}))


if __name__ == "__main__":
    main()
