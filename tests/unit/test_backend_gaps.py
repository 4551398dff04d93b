"""labkit.backend_gaps: a notebook that names what it needs stops cleanly, in its first cell,
on a backend known to lack it (issue 18). The gaps themselves are shown on MiniStack by
tests/ministack/test_gaps_are_real.py."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from labkit.backend_gaps import GAPS, NEEDS, BackendLacks, missing, require

ROOT = Path(__file__).resolve().parents[2]


def declared_needs(path: Path) -> list[str]:
    """The needs=[...] a notebook's first code cell passes to connect(), or []."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    for node in ast.walk(ast.parse(first.source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "connect":
            for keyword in node.keywords:
                if keyword.arg == "needs":
                    return list(ast.literal_eval(keyword.value))
    return []


def test_the_embedded_backend_and_aws_lack_nothing():
    for backend in ("embedded", "aws"):
        require(backend, list(NEEDS))   # no BackendLacks


def test_a_missing_need_stops_with_what_is_missing_and_what_to_do():
    with pytest.raises(BackendLacks) as stop:
        require("ministack", ["SQS metrics", "JSON log format"])
    text = str(stop.value)
    assert "SQS metrics" in text and "JSON log format" in text and "make lab" in text
    # IPython shows these lines instead of a traceback
    assert stop.value._render_traceback_() == text.splitlines()
    assert not any("Traceback" in line for line in stop.value._render_traceback_())


def test_a_need_the_backend_has_does_not_stop():
    assert missing("ministack", []) == {}
    require("ministack", [])


def test_an_unknown_need_is_a_mistake_not_a_pass():
    with pytest.raises(ValueError, match="unknown need"):
        require("ministack", ["alarms that work"])


def test_every_gap_is_a_known_need():
    for backend, gaps in GAPS.items():
        assert set(gaps) <= set(NEEDS), backend


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb"))
                         + sorted((ROOT / "labs").glob("*.ipynb"))
                         + sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_notebook_names_only_known_needs(path):
    assert set(declared_needs(path)) <= set(NEEDS)


def test_readme_matrix_agrees_with_what_each_notebook_needs():
    """README's table comes from a run (tests/backend_matrix.py); whether a notebook stops on
    MiniStack is decided by its declared needs, so the committed rows must agree with them."""
    from tests.backend_matrix import END, START

    section = (ROOT / "README.md").read_text().split(START)[1].split(END)[0]
    rows = dict(re.findall(r"^\| `([^`]+\.ipynb)` \| [^|]+ \| ([^|]+) \|$", section, re.M))
    for folder in ("notebooks", "solutions"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            name = f"{folder}/{path.name}"
            assert name in rows, f"README's backend matrix has no row for {name}: regenerate it"
            lacking = missing("ministack", declared_needs(path))
            if lacking:
                assert rows[name].startswith("stops") and all(n in rows[name] for n in lacking), \
                    f"{name} needs {sorted(lacking)} on MiniStack; README says {rows[name]!r}"
            else:   # it ran: whether it passed is the run's result, not the code's
                assert not rows[name].startswith("stops"), f"README says {name}: {rows[name]!r}"
