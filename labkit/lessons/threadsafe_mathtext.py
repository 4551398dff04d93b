"""Let widget callbacks draw plots at the same time without breaking matplotlib's maths text.

ipykernel 7 can run a widget's callback while another callback (or a cell) is still drawing.
Log-scale axes label their ticks with maths text ("10^2"), and matplotlib's maths-text
parser keeps its state in one shared pyparsing grammar: two threads parsing at once fail with
"ParseException: Expected end of text" (seen in the browser tests when a slider was dragged).
One lock around the parser makes every redraw safe; parsing is fast, so nobody waits long.
"""
from __future__ import annotations

import functools
import threading

_LOCK = threading.RLock()


def install() -> None:
    from matplotlib import _mathtext

    parse = _mathtext.Parser.parse
    if getattr(parse, "_labkit_locked", False):
        return

    @functools.wraps(parse)
    def locked_parse(self, *args, **kwargs):
        with _LOCK:
            return parse(self, *args, **kwargs)

    locked_parse._labkit_locked = True
    _mathtext.Parser.parse = locked_parse
