"""`make lock`'s second half: requirements-hub.txt is what the hub's requirements add to
requirements.txt.

    python -m tests.hub_lock ALL_LOCK BASE_LOCK > requirements-hub.txt

ALL_LOCK is uv's universal compile of requirements.in with requirements-hub.in; BASE_LOCK is
requirements.txt. Each pinned package of ALL_LOCK (its line and uv's `# via` comments) that
BASE_LOCK does not pin the same way is written out. A package both pin differently is an error:
a hub would then install two versions of it.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

HEADER = """\
# What a workshop hub installs on top of requirements.txt (see requirements-hub.in).
# Written by `make lock`; never edit it by hand (tests/unit/test_lock.py checks it).
"""


def pinned_blocks(text: str) -> dict[str, str]:
    """{package name: its pin line plus the comment lines that follow it} of a uv lock."""
    blocks: dict[str, str] = {}
    name = None
    for line in text.splitlines(keepends=True):
        if re.match(r"[A-Za-z0-9]", line):
            name = re.split(r"[=<>!~; ]", line, maxsplit=1)[0].lower()
            blocks[name] = line
        elif name is not None and line.startswith("    "):
            blocks[name] += line
        else:
            name = None
    return blocks


def pin(block: str) -> str:
    return block.splitlines()[0].strip()


def hub_additions(all_lock: str, base_lock: str) -> str:
    everything, base = pinned_blocks(all_lock), pinned_blocks(base_lock)
    moved = [f"{pin(base[n])} -> {pin(b)}" for n, b in everything.items()
             if n in base and pin(base[n]) != pin(b)]
    if moved:
        raise SystemExit("the hub's requirements move pins of requirements.txt: "
                         + "; ".join(moved))
    return HEADER + "".join(b for n, b in everything.items() if n not in base)


if __name__ == "__main__":
    sys.stdout.write(hub_additions(Path(sys.argv[1]).read_text(), Path(sys.argv[2]).read_text()))
