"""labkit.isolation.atomic_files: the old file or the new one, never half of one, no temp
file left behind, and the mode asked for."""
from __future__ import annotations

import json
import stat

import pytest

from labkit.isolation.atomic_files import write_atomic, write_json_atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_the_file_with_the_mode_asked_for(tmp_path):
    path = tmp_path / "deeper" / "grades.csv"
    write_atomic(path, "a,b\n")
    assert path.read_text() == "a,b\n" and _mode(path) == 0o644
    write_atomic(path, b"c,d\n", mode=0o600)
    assert path.read_bytes() == b"c,d\n" and _mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["grades.csv"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "progress.json"
    write_json_atomic(path, {"labs": {}})
    with pytest.raises(TypeError):
        write_atomic(path, 42)   # neither text nor bytes: fails mid-write
    assert json.loads(path.read_text()) == {"labs": {}}
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]
