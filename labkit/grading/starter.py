"""Generate a lab's starter notebook from its solution (the master copy).

    labkit starters solutions/99_example.ipynb labs/99_example.ipynb
    labkit starters --all        # every notebook in solutions/ -> labs/

In a solution's code cells, lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` are
removed from the starter, and a line ``<indent>### STARTER: code`` becomes ``<indent>code``.
Outputs are never written. tests/grading checks that labs/ is what this generates.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

BEGIN, END, STARTER = "### BEGIN SOLUTION", "### END SOLUTION", "### STARTER: "
ROOT = Path(__file__).resolve().parents[2]


def starter_source(source: str) -> str:
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
        elif stripped == END:
            inside = False
        elif inside:
            continue
        elif stripped.startswith(STARTER):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + stripped[len(STARTER):])
        else:
            out.append(line)
    if inside:
        raise ValueError("a ### BEGIN SOLUTION has no ### END SOLUTION")
    return "\n".join(out)


def starter_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = starter_source(cell.source)
            cell.outputs, cell.execution_count = [], None
    return nb


def generate(solution_path: Path, starter_path: Path) -> None:
    nb = starter_notebook(nbformat.read(solution_path, as_version=4))
    nbformat.write(nb, starter_path)


HELP = "Generate lab starter notebooks from their solutions (the master copies)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="SOLUTION.ipynb STARTER.ipynb")
    parser.add_argument("--all", action="store_true", help="every solutions/*.ipynb -> labs/")


def run(args: argparse.Namespace) -> int:
    if args.all:
        for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
            generate(solution, ROOT / "labs" / solution.name)
            print(f"labs/{solution.name}")
        return 0
    if len(args.paths) != 2:
        print("labkit starters: give SOLUTION.ipynb STARTER.ipynb, or --all", file=sys.stderr)
        return 2
    generate(Path(args.paths[0]), Path(args.paths[1]))
    return 0

