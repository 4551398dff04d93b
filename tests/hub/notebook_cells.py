"""Code cells of the kit's notebooks, as the tests send them to a learner's kernel."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def solution_cell(lab: str, writes: str) -> str:
    """The solution notebook's cell that writes the learner's file (`%%writefile NAME`)."""
    for source in code_cells(next((ROOT / "solutions").glob(f"{lab}_*.ipynb"))):
        if source.startswith(f"%%writefile {writes}"):
            return source
    raise LookupError(f"no %%writefile {writes} cell in solutions/{lab}_*.ipynb")
