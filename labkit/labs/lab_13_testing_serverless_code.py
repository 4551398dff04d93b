"""Lab 13 (testing serverless code): the bookings service the learner writes tests for, as
files (lab_13_service: domain, adapters, a handler that wires them)."""
from __future__ import annotations

from pathlib import Path

from labkit.lessons.testing_lesson import plant

SERVICE = Path(__file__).parent / "lab_13_service"


def write_given_service(folder: Path) -> Path:
    """The service's files, as given, in `folder`; returns it."""
    return plant(SERVICE, folder)
