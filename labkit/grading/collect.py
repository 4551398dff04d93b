"""Collect a class's lab notebooks from the learners' home folders into a grading ROOT.

On a JupyterHub each learner has a home folder (The Littlest JupyterHub: /home/jupyter-NAME;
Zero to JupyterHub: one volume per user, e.g. mounted under /home/NAME). Their lab notebooks
sit wherever they worked, usually the kit's labs/ folder. This copies each learner's lab
notebooks into ROOT/LEARNER/ under the lab's own file name, ready for `labkit grade ROOT`.
Learners' files are only read, never changed.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from labkit.grading.submissions import lab_notebooks, safe_name

SKIP_PARTS = {".ipynb_checkpoints", ".git", ".venv", "node_modules", "site-packages"}


@dataclass
class Collected:
    copied: dict[str, list[str]] = field(default_factory=dict)   # learner -> lab notebooks
    without_labs: list[str] = field(default_factory=list)         # learners with none


def learner_id(home: Path, prefix: str) -> str:
    name = home.name
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def collect(homes: Path, root: Path, prefix: str = "jupyter-") -> Collected:
    """Copy from HOMES/<home>/**/NN_topic.ipynb to ROOT/<learner>/NN_topic.ipynb. Where a
    learner has several copies of one lab, the one in a labs/ folder wins, then the newest."""
    names = set(lab_notebooks())
    result = Collected()
    for home in sorted(p for p in homes.iterdir() if p.is_dir() and not p.name.startswith(".")):
        learner = safe_name(learner_id(home, prefix))
        found: dict[str, Path] = {}
        for path in home.rglob("*.ipynb"):
            if path.name not in names or SKIP_PARTS & set(path.parts) or not path.is_file():
                continue
            if path.is_symlink():
                continue   # a link could point at another learner's work
            best = found.get(path.name)
            if best is None or _rank(path) > _rank(best):
                found[path.name] = path
        if not found:
            result.without_labs.append(learner)
            continue
        (root / learner).mkdir(parents=True, exist_ok=True)
        for name, path in sorted(found.items()):
            shutil.copyfile(path, root / learner / name)
        result.copied[learner] = sorted(found)
    return result


def _rank(path: Path) -> tuple[bool, float]:
    return (path.parent.name == "labs", path.stat().st_mtime)
