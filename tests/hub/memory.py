"""Memory of one learner: the sum of RSS over their Jupyter server's process tree (the server,
its kernels, the embedded backend, its Lambda workers, the check sandbox), with psutil.

RSS counts shared pages (the Python interpreter, shared libraries) once per process, so the
sum overstates what the machine really spends; it is the safe number to size a class with.
PSS (each shared page split between the processes sharing it) is reported beside it.
"""
from __future__ import annotations

import threading

import psutil

MIB = 1024 * 1024


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


# What each process of a learner's tree is, from its command line.
KINDS = (("jupyterhub-singleuser", "server"), ("ipykernel", "kernel"),
         ("labkit.emulator.server", "backend"))
OTHER = "other"   # Lambda workers, the check sandbox, helper processes


def _kind(p: psutil.Process) -> str:
    command = " ".join(p.cmdline())
    return next((kind for marker, kind in KINDS if marker in command), OTHER)


def tree_memory(pid: int, with_pss: bool = True) -> dict:
    """RSS (and PSS) in MiB of pid's process tree right now, in total and by kind."""
    totals = {"rss_mib": 0.0, "pss_mib": 0.0, "processes": 0}
    by_kind: dict[str, float] = {}
    for p in tree(pid):
        try:
            info = p.memory_full_info() if with_pss else p.memory_info()
            kind = _kind(p)
        except psutil.Error:  # exited while we looked
            continue
        totals["processes"] += 1
        totals["rss_mib"] += info.rss / MIB
        totals["pss_mib"] += getattr(info, "pss", 0) / MIB
        by_kind[kind] = by_kind.get(kind, 0.0) + info.rss / MIB
    result = {k: round(v, 1) if isinstance(v, float) else v for k, v in totals.items()}
    result["rss_mib_by_kind"] = {k: round(v, 1) for k, v in sorted(by_kind.items())}
    if not with_pss:
        del result["pss_mib"]
    return result


class PeakSampler:
    """Samples a process tree every `every` seconds in the background: keeps the peak memory,
    and the CPU time its processes used meanwhile (a process that exits between two samples
    loses at most `every` seconds of its CPU time from the count)."""

    def __init__(self, pid: int, every: float = 1.0):
        self.pid, self.every = pid, every
        self.peak: dict = {"rss_mib": 0.0}
        self._cpu_start: dict[tuple, float] = {}
        self._cpu_last: dict[tuple, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return round(sum(t - self._cpu_start.get(k, 0.0) for k, t in self._cpu_last.items()), 1)

    def _sample_cpu(self) -> dict[tuple, float]:
        seen = {}
        for p in tree(self.pid):
            try:
                times = p.cpu_times()
                seen[(p.pid, p.create_time())] = times.user + times.system
            except psutil.Error:
                continue
        return seen

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            now = tree_memory(self.pid)
            if now["rss_mib"] > self.peak["rss_mib"]:
                self.peak = now
            self._cpu_last.update(self._sample_cpu())

    def __enter__(self) -> "PeakSampler":
        self._cpu_start = self._sample_cpu()
        self._cpu_last = dict(self._cpu_start)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._cpu_last.update(self._sample_cpu())
