"""The backend matrix (issue 18): which notebooks run on MiniStack, and how the conformance
suite fares on each backend, from the last `make test` run's outputs in test-output/.

  python -m tests.backend_matrix                 print the matrix
  python -m tests.backend_matrix --write-readme  put it in README.md, between its markers

run_suites prints it after every full run; README's copy says which run and version it is from.
tests/unit/test_backend_gaps.py checks that README's notebook rows agree with what each
notebook declares it needs, so the committed table cannot drift from the code.
"""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
README = ROOT / "README.md"
START, END = "<!-- backend-matrix:start -->", "<!-- backend-matrix:end -->"


def ministack_version() -> str:
    from labkit.ministack import installed_version

    return installed_version() or "?"


def notebook_rows() -> list[str]:
    rows = []
    for path in sorted((OUT / "ministack").glob("*.json")):
        o = json.loads(path.read_text())
        if o["outcome"] == "runs":
            cell = f"runs ({o['seconds']:.0f} s)"
        elif o["outcome"] == "stops":
            needs = [line.split(":")[0].strip(" -") for line in o["reason"].split("\n")[1:]
                     if line.startswith("  - ")]
            cell = "stops in its first cell: needs " + ", ".join(needs)
        else:
            cell = f"**fails** in code cell {o['cell']}: {o['reason'][:120]}"
        rows.append(f"| `{o['notebook']}` | runs | {cell} |")
    return rows


def conformance_counts(junit: Path) -> dict[str, tuple[int, int]]:
    """test file -> (passed, total)."""
    passed, total = Counter(), Counter()
    if not junit.exists():
        return {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")[-1]
        total[name] += 1
        ok = all(case.find(tag) is None for tag in ("failure", "error", "skipped"))
        passed[name] += ok
    return {name: (passed[name], total[name]) for name in total}


def run_date(junit: Path) -> str:
    """The day the run measured (pytest's junit timestamp), not the day the table is written."""
    if not junit.exists():
        return "an unknown day"
    stamp = next(ET.parse(junit).getroot().iter("testsuite")).get("timestamp") or ""
    return stamp[:10] or date.fromtimestamp(junit.stat().st_mtime).isoformat()


def report() -> str:
    embedded = conformance_counts(OUT / "conformance.xml")
    ministack = conformance_counts(OUT / "conformance-ministack.xml")
    lines = [f"Measured by `make test` on {run_date(OUT / 'conformance-ministack.xml')} with MiniStack "
             f"{ministack_version()} (`tests/ministack`, `conformance-ministack`); regenerate with "
             "`python -m tests.backend_matrix --write-readme` after a full run.", "",
             "| notebook | embedded | MiniStack |", "|---|---|---|", *notebook_rows(), "",
             "| conformance file | embedded | MiniStack |", "|---|---|---|"]
    for name in sorted(set(embedded) | set(ministack)):
        e, m = embedded.get(name, (0, 0)), ministack.get(name)
        lines.append(f"| `{name}` | {e[0]}/{e[1]} | "
                     + (f"{m[0]}/{m[1]} |" if m else "not run (the embedded backend's own machinery) |"))
    both = set(embedded) & set(ministack)   # AWS behaviours, run on each backend
    te = [sum(embedded[n][i] for n in both) for i in (0, 1)]
    tm = [sum(ministack[n][i] for n in both) for i in (0, 1)]
    lines.append(f"| **AWS behaviours, run on both** | **{te[0]}/{te[1]}** | **{tm[0]}/{tm[1]}** |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text()
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    matrix = report()
    if "--write-readme" in sys.argv[1:]:
        write_readme(matrix)
    print(matrix)
