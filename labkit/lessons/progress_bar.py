"""A progress bar for anything slower than a few seconds: a widget in Jupyter, text elsewhere."""
from __future__ import annotations

import sys
import threading


class Progress:
    """``with Progress(total, "invoking") as p: ... p.step()``."""

    def __init__(self, total: int, label: str = ""):
        self.total, self.label, self.done = max(int(total), 1), label, 0
        self._lock = threading.Lock()   # steps may come from worker threads (a burst, a pool)
        self._bar = None
        try:
            from IPython import get_ipython

            if get_ipython() is not None:
                import ipywidgets
                from IPython.display import display

                # "initial": the whole label, not "failure ma..." in the default 80 px
                self._bar = ipywidgets.IntProgress(value=0, min=0, max=self.total,
                                                   description=label[:20],
                                                   style={"description_width": "initial"})
                display(self._bar)
        except ImportError:
            self._bar = None

    def step(self, n: int = 1) -> None:
        with self._lock:   # one step at a time: the bar never goes back
            self.done = min(self.done + n, self.total)
            if self._bar is not None:
                self._bar.value = self.done
            else:
                print(f"\r{self.label} {self.done}/{self.total}", end="", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.bar_style = "success" if self.done >= self.total else "warning"
        else:
            print(file=sys.stderr)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
