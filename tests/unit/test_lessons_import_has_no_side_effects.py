"""`labkit.lessons` does nothing on import (issue 15): the checks import its polling and log
helpers without loading pandas or matplotlib, and matplotlib is patched only by the module
lessons draw through (figures.py). Each case runs in a fresh interpreter."""
from __future__ import annotations

import subprocess
import sys

import pytest

LOADED = ("import sys; print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.parametrize("statement", [
    "import labkit.lessons",
    "from labkit.lessons import wait_until, run_prefix",
    "from labkit.lessons.polling import wait_until",
    "import labkit.checks.alarm_watch",
])
def test_polling_and_names_load_neither_pandas_nor_matplotlib(statement):
    assert _fresh(f"{statement}\n{LOADED}") == "[]"


def test_log_helpers_still_come_from_the_package():
    assert _fresh("from labkit.lessons import read_json_lines; print(read_json_lines.__module__)") \
        == "labkit.lessons.logs"


def test_matplotlib_is_patched_only_once_a_lesson_draws():
    locked = "from matplotlib import _mathtext; print(getattr(_mathtext.Parser.parse, '_labkit_locked', False))"
    assert _fresh(f"import labkit.lessons\n{locked}") == "False"
    assert _fresh(f"from labkit.lessons import show_figure\n{locked}") == "True"


def test_an_unknown_name_is_an_attribute_error():
    import labkit.lessons

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        labkit.lessons.nothing_here  # noqa: B018
