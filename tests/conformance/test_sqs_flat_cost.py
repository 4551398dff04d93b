"""EMBEDDED-ONLY: SQS call cost does not grow with queue depth (patch sqs_flat_cost).

AWS (SQS Developer Guide, "Amazon SQS standard queues"): standard queues support a nearly
unlimited number of API calls per second; nothing in SQS makes a send or receive slower
because the queue is deep. design.md measured moto at ~160 sends/s empty vs 25/s at depth
1,000. The probe counts Python calls per operation in a fresh process (no timing)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_send_receive_delete_do_the_same_work_at_depth_20_and_2000():
    out = subprocess.run([sys.executable, "-m", "tests.conformance.embedded_only_sqs_cost_probe"],
                         cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                         timeout=600, check=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    shallow, deep = probe["shallow"], probe["deep"]
    for op in ("send", "receive10", "delete10"):
        # a few calls of slack (e.g. a lazily grown dict); O(depth) work would be thousands
        assert deep[op] <= shallow[op] * 1.2 + 20, (op, shallow[op], deep[op])
