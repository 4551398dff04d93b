"""What a failed hub test adds to its report: the state of every learner's processes, the tail
of their backends' logs and of the hub's log. A class test that times out says only "timed
out"; this says whether the learner's server, kernels and backend were running, stopped or
gone at that moment (CI's hub failures could not be explained without it)."""
from __future__ import annotations

import psutil

from tests.hub.memory import tree


def _process_line(p: psutil.Process) -> str:
    try:
        with p.oneshot():
            command = " ".join(p.cmdline()).replace("\n", " ")[:160]
            return f"  {p.pid:>7} {p.status():<9} cpu {sum(p.cpu_times()[:2]):7.1f}s  {command}"
    except psutil.Error as error:
        return f"  {p.pid:>7} {type(error).__name__}"


def describe(hub, classroom: dict | None, log_chars: int = 1500) -> str:
    lines = []
    for learner in (classroom or {}).values():
        processes = tree(learner.server_pid)
        lines.append(f"{learner.name}: server {learner.server_pid} "
                     f"{'running' if processes else 'GONE'}")
        lines += [_process_line(p) for p in processes]
        backend_log = learner.home / ".labkit" / "backend.log"
        if backend_log.exists():
            tail = backend_log.read_text(errors="replace")[-log_chars:]
            lines.append(f"  backend.log (last {log_chars} characters):")
            lines += [f"    {line}" for line in tail.splitlines()]
    lines.append(f"hub log (last {2 * log_chars} characters):")
    lines.append(hub.log_tail(2 * log_chars))
    return "\n".join(lines)
