"""The course a learner works in: the kit's notebooks/ and labs/, copied into their folder once.

On a hub each learner has their own home; the course comes from LABKIT_COURSE_DIR (the
single-user image and the TLJH script put a copy of the repository there), else from the
checkout labkit itself runs from. A folder the learner already has is never touched: their
work survives server restarts and kit updates. Solutions are not copied.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

COURSE_ENV = "LABKIT_COURSE_DIR"
FOLDERS = ("notebooks", "labs")
# Files a lab writes with %%writefile while it runs (see .gitignore): never part of the course.
_DERIVED = shutil.ignore_patterns("lab[0-9][0-9]*", ".ipynb_checkpoints", "__pycache__")


def course_dir(environ: dict[str, str] | None = None) -> Path | None:
    """Where the course's notebooks/ and labs/ are, or None."""
    from labkit.lab_launcher import ROOT

    env = os.environ if environ is None else environ
    source = Path(env[COURSE_ENV]) if env.get(COURSE_ENV) else ROOT
    return source if (source / "notebooks").is_dir() else None


def install(into: Path, source: Path | None) -> list[str]:
    """Copy each course folder `into` does not have yet; return the ones copied."""
    if source is None or not into.is_dir() or source.resolve() == into.resolve():
        return []  # no course, or the learner works in the checkout itself (a laptop)
    copied = []
    for name in FOLDERS:
        if (source / name).is_dir() and not (into / name).exists():
            shutil.copytree(source / name, into / name, ignore=_DERIVED)
            copied.append(name)
    return copied
