"""The grader's kernel talks over Unix sockets, not TCP ports (labkit.grading.notebook_runner).

A TCP kernel binds ports that its manager found free a moment before it started. Run 18a
lost a learner's grade that way: with other kernels and servers starting beside it, a port
was taken in between and the kernel died "before replying to kernel_info". Here the ports
are taken in between on purpose: a TCP kernel dies, the grader's kernel runs the notebook.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labkit.grading import notebook_runner
from labkit.isolation.limits import give_to_learner


class PortTaker(notebook_runner.LimitedKernelManager):
    """Takes every TCP port of the connection file after it is written, before the kernel
    starts: what another process starting at that moment may do."""

    taken: list[socket.socket] = []
    transports: list[str] = []

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        with open(self.connection_file) as f:
            info = json.load(f)
        PortTaker.transports.append(info["transport"])
        if info["transport"] == "tcp":
            for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
                s = socket.socket()
                s.bind((info["ip"], info[name]))
                s.listen()
                PortTaker.taken.append(s)
        return cmd


@pytest.fixture
def notebook_run(tmp_path, monkeypatch):
    """Run a one-cell notebook as the grader does, its ports taken in between."""
    workdir = Path(tempfile.mkdtemp(prefix="labkit-work-"))   # as the grader's: the learner reaches it
    (workdir / ".runtime").mkdir()
    give_to_learner(str(workdir))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(workdir / ".runtime"))
    monkeypatch.setattr(notebook_runner, "LimitedKernelManager", PortTaker)
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(6 * 7)")]), path)
    PortTaker.transports.clear()

    def run(transport: str) -> dict:
        monkeypatch.setattr(PortTaker, "transport", transport)
        try:
            return notebook_runner.run(str(path), str(workdir), 60, {"PATH": os.environ["PATH"]},
                                       100_000, {"as_mb": 3072, "cpu_s": 120, "fsize_mb": 64})
        finally:
            for s in PortTaker.taken:
                s.close()
            PortTaker.taken.clear()
    yield run
    shutil.rmtree(workdir)


def test_the_graders_kernel_needs_no_free_port(notebook_run):
    result = notebook_run(notebook_runner.LimitedKernelManager.transport.default_value)
    assert PortTaker.transports == ["ipc"]
    assert "runner_error" not in result and result["errors"] == [] and result["kernel_died_at"] is None


def test_a_tcp_kernel_whose_ports_were_taken_dies(notebook_run):
    """The race reproduced: the test above would fail the same way on TCP."""
    result = notebook_run("tcp")
    assert PortTaker.transports == ["tcp"]
    assert "died before replying to kernel_info" in result.get("runner_error", ""), result
