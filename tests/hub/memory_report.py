"""test-output/hub_memory.json: memory and CPU per learner, and the class one machine holds
(a report, not a test; deploy/hub/README.md quotes it).

The machine: 24 GiB and 2 cores. Memory: every learner may be at their lesson 02 peak at once
(a workshop moves together), after a reserve for the OS, the hub and its proxy. CPU: idle
learners cost their idle share; the lesson's CPU seconds are spread over the window in which
the class runs it. Both assumptions are written into the report next to the numbers.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-output" / "hub_memory.json"
MACHINE_GIB, MACHINE_CORES = 24, 2
RESERVE_GIB = 2.0          # OS, JupyterHub, configurable-http-proxy, page cache headroom
LESSON_WINDOW_S = 600      # the class runs lesson 02's cells within the same 10 minutes


def write_report(idle: list[dict], lesson_peak: dict, lesson_cpu_s: float, lesson_wall_s: float) -> dict:
    idle_rss = max(m["rss_mib"] for m in idle)
    idle_cpu = max(m["cpu_percent_of_one_core"] for m in idle) / 100
    usable_mib = (MACHINE_GIB - RESERVE_GIB) * 1024
    by_memory = math.floor(usable_mib / lesson_peak["rss_mib"])
    by_cpu = math.floor(MACHINE_CORES / (lesson_cpu_s / LESSON_WINDOW_S + idle_cpu))
    report = {
        "idle_per_learner": idle,
        "lesson_02_peak": lesson_peak,
        "lesson_02_cpu_seconds": lesson_cpu_s,
        "lesson_02_wall_seconds": round(lesson_wall_s, 1),
        "assumptions": {"machine_gib": MACHINE_GIB, "machine_cores": MACHINE_CORES,
                        "reserve_gib": RESERVE_GIB, "lesson_window_s": LESSON_WINDOW_S,
                        "memory": "RSS summed over the learner's process tree (an upper bound); "
                                  "PSS splits shared pages between the processes sharing them"},
        "class_size_by_memory": by_memory,
        "class_size_by_memory_if_pss": math.floor(usable_mib / lesson_peak["pss_mib"]),
        "class_size_by_cpu": by_cpu,
        "class_size_24gib_2cores": min(by_memory, by_cpu),
        "idle_rss_mib_max": idle_rss,
    }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report
