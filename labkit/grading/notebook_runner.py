"""Execute one submitted notebook in a fresh kernel, and say how each cell went.

    python -m labkit.grading.notebook_runner NOTEBOOK RESULT.json --workdir DIR
        --cell-timeout S --kernel-env ENV.json [--output-limit BYTES]

Runs as a child of the grader, with the grader's privileges: only the *kernel* (the learner's
code) is started under resource limits and, when we are root, as an unprivileged user
(labkit.isolation.limits), with an environment that holds only what the notebook needs.

Failing-cell policy (documented in `labkit grade --help`):
  * every cell runs with ``allow_errors``: an exception in one cell does not stop the rest;
  * a cell running longer than the cell timeout is interrupted (KeyboardInterrupt) and the
    next cell runs;
  * if the kernel dies (os._exit, a signal, the memory limit), the remaining cells are not run;
  * outputs beyond ``--output-limit`` bytes are dropped (the notebook is not kept anyway);
the result lists the cells that failed, timed out, or where the kernel died.
"""
from __future__ import annotations

import atexit

import argparse
import json
import os
import sys
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets import CaselessStrEnum

from labkit.isolation import prctl
from labkit.isolation.atomic_files import write_atomic
from labkit.isolation.limits import limited_command, unprivileged_ids
from labkit.kernel_client import SlicedPollKernelManager

TIMEOUT_ENAME = "CellTimeoutError"


class LimitedKernelManager(SlicedPollKernelManager):
    """Starts the kernel through the limits wrapper, as the unprivileged learner user."""

    limits: dict[str, int] = {"as_mb": 3072, "cpu_s": 600, "fsize_mb": 64}

    # Unix sockets, not TCP ports. A TCP kernel binds ports its manager found free a moment
    # before; with other kernels and servers starting beside it (a class graded with
    # --workers 2), one can be taken in between, and the kernel dies "before replying to
    # kernel_info" (jupyter/jupyter_client#154, #487): a learner's grade lost to timing.
    # The sockets live in the learner's runtime folder (JUPYTER_RUNTIME_DIR, see executor).
    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc" if os.name == "posix" else "tcp",
                                config=True)

    def _ip_default(self) -> str:   # where the sockets are: absolute, the kernel's cwd is not ours
        if self.transport != "ipc":
            return super()._ip_default()
        return os.path.join(os.path.abspath(os.environ.get("JUPYTER_RUNTIME_DIR", ".")), "kernel-ipc")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        ids = unprivileged_ids()
        if ids is not None:  # the kernel must read the connection file we just wrote
            os.chown(self.connection_file, *ids)
        return limited_command(cmd, self.limits["as_mb"], self.limits["cpu_s"],
                               self.limits["fsize_mb"], die_with_parent=True)


class CappedClient(NotebookClient):
    """An nbclient that keeps at most ``output_limit`` bytes of outputs in total."""

    output_limit = 2_000_000

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.output_bytes = 0
        self.truncated = False
        self.timed_out: list[Any] = []  # cells interrupted for running over the timeout

    async def _async_handle_timeout(self, timeout, cell=None):  # type: ignore[override]
        if cell is not None:
            self.timed_out.append(cell)
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
        size = len(json.dumps(msg.get("content", {}), default=str))
        self.output_bytes += size
        if self.output_bytes > self.output_limit:
            self.truncated = True
            return None
        return super().output(outs, msg, display_id, cell_index)


def run(notebook_path: str, workdir: str, cell_timeout: int, kernel_env: dict[str, str],
        output_limit: int, limits: dict[str, int]) -> dict[str, Any]:
    nb = nbformat.read(notebook_path, as_version=4)
    LimitedKernelManager.limits = limits
    client = CappedClient(
        nb, timeout=cell_timeout, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME,
                          "evalue": f"cell interrupted after {cell_timeout} s", "traceback": []},
        kernel_manager_class=LimitedKernelManager, kernel_name="python3",
        resources={"metadata": {"path": workdir}}, startup_timeout=120)
    client.output_limit = output_limit
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    current = {"cell": 0}

    def started(cell, cell_index):  # remember where a dying kernel was
        current["cell"] = code_cells.index(cell_index) + 1 if cell_index in code_cells else 0

    client.on_cell_execute = started
    result: dict[str, Any] = {"cells": sum(1 for c in nb.cells if c.cell_type == "code"),
                              "errors": [], "timeouts": [], "kernel_died_at": None}
    try:
        client.execute(env=kernel_env, cwd=workdir)
    except DeadKernelError:
        result["kernel_died_at"] = current["cell"] or 1
    except Exception as exc:  # noqa: BLE001 - a notebook must never crash the grader
        result["runner_error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if client.km is None:  # cleaned up; nbclient leaves its atexit hook when a start
            atexit.unregister(client._cleanup_kernel)  # fails, and the hook asserts a km
    code_index = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_index += 1
        if any(cell is t for t in client.timed_out):
            result["timeouts"].append({"cell": code_index, "ename": TIMEOUT_ENAME,
                                       "evalue": f"interrupted after {cell_timeout} s"})
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                result["errors"].append({"cell": code_index, "ename": out.get("ename", ""),
                                         "evalue": str(out.get("evalue", ""))[:200]})
    result["truncated_outputs"] = client.truncated
    result["output_bytes"] = client.output_bytes
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.grading.notebook_runner")
    parser.add_argument("notebook")
    parser.add_argument("result")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--cell-timeout", type=int, default=120)
    parser.add_argument("--kernel-env", required=True, help="JSON file: the kernel's environment")
    parser.add_argument("--output-limit", type=int, default=2_000_000)
    parser.add_argument("--memory-mb", type=int, default=3072)
    parser.add_argument("--cpu-s", type=int, default=600)
    args = parser.parse_args(argv)
    prctl.die_with_parent()  # a grader killed with -9 takes us (and so the kernel) with it
    with open(args.kernel_env) as f:
        kernel_env = json.load(f)
    result = run(args.notebook, args.workdir, args.cell_timeout, kernel_env, args.output_limit,
                 {"as_mb": args.memory_mb, "cpu_s": args.cpu_s, "fsize_mb": 64})
    write_atomic(args.result, json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
