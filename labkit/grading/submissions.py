"""Find the submissions under ROOT: one folder per learner (folder name = learner id) holding
lab notebooks under their original file names; or a single notebook path."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from labkit.checks import LAB_MODULES, get_lab


@dataclass
class Submission:
    learner: str
    lab: str               # the lab notebook's stem, e.g. "99_example" ("-" if none found)
    path: Path | None      # the submitted file (None when the learner's folder had none)
    problem: str = ""      # set when there is nothing to execute

    @property
    def key(self) -> str:
        return f"{safe_name(self.learner)}-{safe_name(self.lab)}"


def safe_name(text: str) -> str:
    """A file-name-safe form of a learner id or lab name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).strip(".") or "_"


def lab_notebooks() -> dict[str, str]:
    """Lab notebook file name -> lab number, for every lab that has checks."""
    return {get_lab(number).notebook: number for number in LAB_MODULES}


def discover(root: Path) -> list[Submission]:
    names = lab_notebooks()
    if root.is_file():
        learner = root.parent.name if root.name in names else root.stem
        lab = Path(root.name).stem if root.name in names else _guess_lab(root.name, names)
        if lab is None:
            return [Submission(learner, "-", root, f"{root.name} is not a lab notebook "
                                                    f"(expected one of {', '.join(names)})")]
        return [Submission(learner, lab, root)]
    found: list[Submission] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            found.append(Submission(entry.stem, "-", entry,
                                    "not in a learner folder: put each learner's notebooks in "
                                    "a folder named after the learner"))
            continue
        mine = [f for f in sorted(entry.iterdir()) if f.is_file() and f.name in names]
        if not mine:
            files = ", ".join(f.name for f in sorted(entry.iterdir())[:5]) or "empty folder"
            found.append(Submission(entry.name, "-", None,
                                    f"no lab notebook found ({files})"))
        for f in mine:
            found.append(Submission(entry.name, Path(f.name).stem, f))
    return found


def _guess_lab(filename: str, names: dict[str, str]) -> str | None:
    """A single file named like a lab (``99_example (1).ipynb``) still counts."""
    for notebook in names:
        if filename.startswith(Path(notebook).stem):
            return Path(notebook).stem
    return None
