"""Unique resource names per notebook run, so a lesson can be re-run from the top at any time."""
from __future__ import annotations

import uuid


def run_prefix(lesson: str) -> str:
    """e.g. run_prefix("l00") -> "l00-3f9a1c": short enough for every AWS name limit."""
    return f"{lesson}-{uuid.uuid4().hex[:6]}"
