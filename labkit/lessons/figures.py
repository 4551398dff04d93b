"""Showing one figure from a widget callback, whatever else is drawing in the kernel.

`plt.tight_layout(); plt.show()` works on pyplot's *current* figure and shows every open one.
ipykernel 7 can run a widget's callback while something else in the kernel draws or closes
figures (matplotlib-inline closes them all after each execution), so the current figure can
be another one, or a new empty one: the browser tests saw a redraw that showed only
"<Figure size 640x480 with 0 Axes>" where lesson 09's plot belonged. Naming the figure avoids
pyplot's shared state.
"""
from __future__ import annotations


def show_figure(fig) -> None:
    """Lay out `fig`, display it in the current output, and close it (so it is not shown again
    at the end of the cell)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig.tight_layout()
    display(fig)
    plt.close(fig)
