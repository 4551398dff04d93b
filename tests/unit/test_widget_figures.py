"""A widget's callback shows its own figure by name (labkit.lessons.show_figure), never pyplot's
current one: ipykernel can run a callback while the kernel draws or closes other figures, and
`plt.show()` then showed an empty "<Figure size 640x480 with 0 Axes>" (lesson 09, browser suite)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for folder in ("notebooks", "labs", "solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))
WIRES_A_CALLBACK = ("interactive_output(", ".observe(", ".on_click(", "interact(")


def pyplot_shown_from_callbacks(notebook) -> list[int]:
    """Indexes of code cells that wire a widget callback and call plt.show()."""
    return [i for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and "plt.show()" in cell.source
            and any(marker in cell.source for marker in WIRES_A_CALLBACK)]


def test_the_check_finds_plt_show_in_a_callback_cell():
    cell = nbformat.v4.new_code_cell(
        "def redraw(change):\n    plt.plot([1]); plt.show()\nslider.observe(redraw, 'value')")
    assert pyplot_shown_from_callbacks(nbformat.v4.new_notebook(cells=[cell])) == [0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_widget_callbacks_show_their_figure_by_name(path):
    assert not pyplot_shown_from_callbacks(nbformat.read(path, as_version=4)), \
        f"{path.name}: use show_figure(fig) in a widget callback (see labkit/lessons/figures.py)"
