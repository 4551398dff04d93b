"""test-output/notebook_times.csv: how long each notebook took headless (a report, not a test).

Lessons promise to run in <= 90 s with their defaults (lessons.md); this file is where that is
read off. Rows are appended with one write each, so two xdist workers can share the file.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-output" / "notebook_times.csv"
HEADER = "notebook,seconds,status,code_cells\n"


def start_report() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(HEADER)


def record(notebook: str, seconds: float, status: str, code_cells: int) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    line = f"{notebook},{seconds:.1f},{status},{code_cells}\n".encode()
    fd = os.open(REPORT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
