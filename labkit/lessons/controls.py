"""A lesson's experiment controls: sliders, a Run button, and the output the run draws into.

What every lesson's widget cell used to wire by hand. The run prints, draws (show_figure) and
asserts into the Output below the controls, so a failed assert is shown where the learner
clicked. Shown, and run once with the sliders' starting values."""
from __future__ import annotations

from typing import Any, Callable


def show_controls(sliders: list[Any], run: Callable[..., None], label: str = "Run experiment",
                  per_row: int = 3) -> None:
    """Show `sliders` (`per_row` to a row), a button labelled `label` and an output; a click
    calls `run(*values of the sliders)` into the output."""
    import ipywidgets as widgets
    from IPython.display import display

    button = widgets.Button(description=label, button_style="primary",
                            layout=widgets.Layout(width="max-content"))  # the whole label, not stretched
    output = widgets.Output()

    def on_run(_=None) -> None:
        with output:
            output.clear_output(wait=True)
            run(*(slider.value for slider in sliders))

    button.on_click(on_run)
    rows = [widgets.HBox(sliders[i:i + per_row]) for i in range(0, len(sliders), per_row)]
    display(widgets.VBox([*rows, button, output]))
    on_run()
