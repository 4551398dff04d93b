"""Native Windows is not supported (WSL2 is): starting labkit there stops at once and says
exactly what to do, before anything half works."""
from __future__ import annotations

import subprocess
import sys

import labkit


def test_importing_labkit_on_native_windows_stops_with_what_to_do():
    code = "import sys; sys.platform = 'win32'; import labkit"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == labkit.WINDOWS_MESSAGE
    for step in ("wsl --install", "make lab", "WSL2"):
        assert step in proc.stderr


def test_the_cli_stops_the_same_way():
    code = ("import sys; sys.platform = 'win32'; sys.argv = ['labkit', 'lab'];"
            "import runpy; runpy.run_module('labkit.cli', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1 and "WSL2" in proc.stderr


def test_on_linux_nothing_stops():
    proc = subprocess.run([sys.executable, "-c", "import labkit.cli"], capture_output=True)
    assert proc.returncode == 0
