"""labkit.lessons.controls: the run happens once when shown, again on every click, with the
sliders' values of that moment, and what it prints lands in the output under the controls."""
from __future__ import annotations

import ipywidgets as widgets
import pytest

from labkit.lessons import controls


def test_run_once_shown_and_on_every_click_with_the_sliders_values(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    calls = []
    size, window = widgets.IntSlider(value=5, max=50), widgets.IntSlider(value=1, max=3)
    controls.show_controls([size, window], lambda *values: calls.append(values), label="Go",
                           per_row=1)
    assert calls == [(5, 1)]
    [box] = shown
    rows, button, output = box.children[:-2], box.children[-2], box.children[-1]
    assert [row.children for row in rows] == [(size,), (window,)]
    assert button.description == "Go" and isinstance(output, widgets.Output)
    size.value = 9
    button.click()
    assert calls == [(5, 1), (9, 1)]


def test_a_failing_run_fails_where_it_was_clicked(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda _: None)

    def run(value):
        raise AssertionError(f"value {value}")

    with pytest.raises(AssertionError, match="value 3"):
        controls.show_controls([widgets.IntSlider(value=3)], run)
