"""Showing one figure from a widget callback, whatever else is drawing in the kernel.

`plt.tight_layout(); plt.show()` works on pyplot's *current* figure and shows every open one.
ipykernel 7 can run a widget's callback while something else in the kernel draws or closes
figures (matplotlib-inline closes them all after each execution), so the current figure can
be another one, or a new empty one: the browser tests saw a redraw that showed only
"<Figure size 640x480 with 0 Axes>" where lesson 09's plot belonged. Naming the figure avoids
pyplot's shared state. Importing this module also makes maths text (log-scale tick labels)
safe to draw from two threads at once (threadsafe_mathtext.py).
"""
from __future__ import annotations

from labkit.lessons.threadsafe_mathtext import install as _install_threadsafe_mathtext

# Lessons draw from widget callbacks, which may run at the same time: the lock around
# matplotlib's maths-text parser goes in with the helper they draw through.
_install_threadsafe_mathtext()


def show_figure(fig) -> None:
    """Lay out `fig`, display it in the current output, and close it (so it is not shown again
    at the end of the cell)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig.tight_layout()
    display(fig)
    plt.close(fig)
