"""The README stays true: it opens with the two commands, and every file it links exists
(a lesson is only linked once its notebook is in the repo; otherwise it is marked planned)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_opens_with_the_two_commands():
    head = "\n".join(README.splitlines()[:6])
    assert "make lab" in head and "make test" in head


def test_every_relative_link_exists():
    links = re.findall(r"\]\(([^)#]+)\)", README)
    relative = [link for link in links if not re.match(r"^[a-z]+://", link)]
    assert relative, "the lesson table links no notebook"
    missing = [link for link in relative if not (ROOT / link).exists()]
    assert not missing, f"README links files that do not exist: {missing}"


def test_lesson_table_matches_the_notebooks_folder():
    """Linked once its notebook exists, "planned" until then: never a promise, never hidden."""
    rows = dict(re.findall(r"^\| (\d\d) \|.*\| (.+) \|$", README, flags=re.MULTILINE))
    assert sorted(rows) == [f"{n:02d}" for n in range(15)]   # the curriculum: 00-14
    for nn, status in rows.items():
        present = sorted((ROOT / "notebooks").glob(f"{nn}_*.ipynb"))
        if present:
            assert f"(notebooks/{present[0].name})" in status, (
                f"lesson {nn} exists ({present[0].name}): link it in README.md instead of {status!r}")
        else:
            assert status == "*planned*", f"lesson {nn} has no notebook: README.md must say planned"
