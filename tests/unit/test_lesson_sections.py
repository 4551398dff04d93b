"""The lesson pointer a check that fails again shows (labkit.checks.report.lesson_pointer) names
a lesson notebook that exists, and a section heading that is really in it: a renamed heading
must fail here, not send learners looking for a section that is gone."""
from __future__ import annotations

import nbformat
import pytest

from labkit.checks import LAB_MODULES, get_lab
from labkit.checks.framework import Lab
from labkit.checks.report import LESSONS, lesson_pointer, lesson_title

WITH_SECTIONS = list(LAB_MODULES)   # every lab names the lesson section of every task


def _headings(notebook: str) -> set[str]:
    """Markdown headings below the title, without emphasis marks."""
    found = set()
    for cell in nbformat.read(LESSONS / notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("##"):
                    found.add(line.lstrip("#").strip().replace("*", "").replace("`", ""))
    return found


@pytest.mark.parametrize("number", list(LAB_MODULES))
def test_every_section_named_is_a_heading_of_its_lesson(number):
    lab = get_lab(number)
    for task in lab.tasks:
        notebook, heading = lab.lesson_section(task)
        assert (LESSONS / notebook).is_file(), f"lab {number} {task}: no notebooks/{notebook}"
        assert lesson_title(notebook), f"notebooks/{notebook} has no '# ' title"
        if heading is not None:
            assert heading in _headings(notebook), f"lab {number} {task}: {heading!r}"


@pytest.mark.parametrize("number", WITH_SECTIONS)
def test_these_labs_name_a_section_for_every_task(number):
    lab = get_lab(number)
    assert all(lab.lesson_section(task)[1] for task in lab.tasks)
    for task in lab.tasks:
        assert 're-read the section "' in lesson_pointer(lab, task)


def test_without_a_section_the_pointer_names_the_lesson_notebook_and_the_task():
    lab = Lab("03", "A lab", "h.py", "03_errors_and_dlqs.ipynb", {"task-1": "Park the poison"})
    assert lesson_pointer(lab, "task-1") == (
        "Lesson 03 (Errors and dead-letter queues) shows this behaviour; re-read the section on "
        'what task-1 ("Park the poison") practises (notebooks/03_errors_and_dlqs.ipynb).')


def test_a_section_for_a_task_the_lab_does_not_have_is_refused():
    with pytest.raises(ValueError, match="task-9"):
        Lab("03", "A lab", "h.py", "03_errors_and_dlqs.ipynb", {"task-1": "t"},
            lesson_sections={"task-9": "1 · Transient vs permanent failures"})
