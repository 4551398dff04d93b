"""What a graded submission lost, for an assertion message: the grading tests' one formatter."""
from __future__ import annotations

import json
from typing import Any

RUN_PROBLEMS = ("errors", "timeouts", "kernel_died_at", "runner_error", "notebook_timed_out")


def lost_points(result: dict[str, Any]) -> list[str]:
    """A result as `labkit grade` writes it (results/KEY.json): its status and why its notebook
    stopped early, if it did; then each check it lost (hidden or public) with what was observed."""
    cells = result.get("cells") or {}
    ran = {k: cells[k] for k in RUN_PROBLEMS if cells.get(k)}
    return [f"status: {result['status']}; run: {json.dumps(ran)[:1500]}"] + [
        f"{c['check']}{' (hidden)' if c['hidden'] else ''}: {c['observed'][:300]}"
        for c in result["checks"] if not c["passed"]]
