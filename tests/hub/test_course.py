"""labkit.hub.course: the course is copied into a learner's folder once, and never over their work."""
from __future__ import annotations

from pathlib import Path

from labkit.hub import course

ROOT = Path(__file__).resolve().parents[2]


def make_course(folder: Path) -> Path:
    (folder / "notebooks").mkdir(parents=True)
    (folder / "labs").mkdir()
    (folder / "solutions").mkdir()
    (folder / "notebooks" / "00_start_here.ipynb").write_text("{}")
    (folder / "labs" / "00_start_here.ipynb").write_text("{}")
    (folder / "labs" / "lab00_tax.py").write_text("# written by someone running the lab")
    return folder


def test_the_course_is_copied_without_solutions_or_files_labs_write(tmp_path):
    source, home = make_course(tmp_path / "course"), tmp_path / "home"
    home.mkdir()
    assert course.install(home, source) == ["notebooks", "labs"]
    assert (home / "notebooks" / "00_start_here.ipynb").is_file()
    assert (home / "labs" / "00_start_here.ipynb").is_file()
    assert not (home / "labs" / "lab00_tax.py").exists()
    assert not (home / "solutions").exists()


def test_a_learners_folder_is_never_overwritten(tmp_path):
    source, home = make_course(tmp_path / "course"), tmp_path / "home"
    (home / "labs").mkdir(parents=True)
    (home / "labs" / "00_start_here.ipynb").write_text("my work")
    assert course.install(home, source) == ["notebooks"]
    assert (home / "labs" / "00_start_here.ipynb").read_text() == "my work"
    assert course.install(home, source) == []   # the next server start changes nothing


def test_where_the_course_comes_from(tmp_path):
    assert course.course_dir({"LABKIT_COURSE_DIR": str(make_course(tmp_path / "c"))}) == tmp_path / "c"
    assert course.course_dir({"LABKIT_COURSE_DIR": str(tmp_path / "missing")}) is None
    assert course.course_dir({}) == ROOT                # this checkout
    assert course.install(ROOT, ROOT) == []             # a laptop working in the checkout itself
