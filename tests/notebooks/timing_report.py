"""test-output/notebook_times.csv: how long each notebook took headless (a report, not a test).

Lessons promise to run in <= 90 s with their defaults (lessons.md); this file is where that is
read off. Rows are appended with one write each, so two xdist workers can share the file.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-output" / "notebook_times.csv"
HEADER = "notebook,seconds,status,code_cells,slowest_cell,slowest_cell_seconds\n"


def start_report() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(HEADER)


def slowest_cell(nb) -> tuple[int, float] | None:
    """(index, seconds) of the code cell that ran longest, from nbclient's execution timestamps:
    where to look when a notebook is slow."""
    times = []
    for i, cell in enumerate(nb.cells if nb is not None else []):
        run = cell.get("metadata", {}).get("execution", {})
        start, end = run.get("iopub.execute_input"), run.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            times.append(((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), i))
    if not times:
        return None
    seconds, index = max(times)
    return index, seconds


def record(notebook: str, seconds: float, status: str, code_cells: int, nb=None) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    slowest = slowest_cell(nb)
    where = f"{slowest[0]},{slowest[1]:.1f}" if slowest else ","
    line = f"{notebook},{seconds:.1f},{status},{code_cells},{where}\n".encode()
    fd = os.open(REPORT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
