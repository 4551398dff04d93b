"""Notebooks are committed without outputs: check it (`--check`) or fix it (`--strip`).

Committed outputs go stale silently (they show what the emulator printed months ago), bloat
diffs and can leak a learner's account details; execution counts make every run a diff.

    labkit strip-outputs --check notebooks labs solutions   # exit 1 if any has outputs
    labkit strip-outputs notebooks labs solutions           # rewrite in place (make strip-outputs)

Arguments are notebook files or folders (searched recursively, checkpoints ignored).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat


def find_notebooks(paths: list[str | Path]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix == ".ipynb":
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in sorted(path.rglob("*.ipynb"))
                         if ".ipynb_checkpoints" not in p.parts)
    return found


def problems(nb) -> list[str]:
    """What in this notebook should not be committed (empty list = clean)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index}: {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index}: execution_count {cell.execution_count}")
    if nb.metadata.get("widgets"):
        found.append("metadata.widgets: saved widget state")
    return found


def strip(nb) -> bool:
    """Remove outputs, execution counts and saved widget state; True if anything changed."""
    changed = bool(problems(nb))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return changed


def check(paths: list[str | Path]) -> dict[Path, list[str]]:
    """Notebook -> its problems, for every notebook that has some."""
    dirty = {}
    for path in find_notebooks(paths):
        found = problems(nbformat.read(path, as_version=4))
        if found:
            dirty[path] = found
    return dirty


HELP = "Strip the outputs of notebooks in place (--check: only list those that have any)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--check", action="store_true", help="exit 1 listing notebooks with outputs")
    parser.add_argument("paths", nargs="+", help="notebook files or folders")


def run(args: argparse.Namespace) -> int:
    if args.check:
        dirty = check(args.paths)
        for path, found in dirty.items():
            print(f"{path}: committed with outputs ({'; '.join(found[:3])}"
                  f"{'; ...' if len(found) > 3 else ''})")
        if dirty:
            print(f"{len(dirty)} notebook(s) have outputs: run `make strip-outputs`.", file=sys.stderr)
            return 1
        print(f"{len(find_notebooks(args.paths))} notebook(s) checked: no outputs.")
        return 0

    stripped = 0
    for path in find_notebooks(args.paths):
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            nbformat.write(nb, path)
            stripped += 1
            print(f"stripped {path}")
    print(f"{stripped} notebook(s) stripped.")
    return 0

