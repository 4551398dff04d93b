"""Run a command under resource limits (and, when started as root, as an unprivileged user).

    python -m labkit.isolation.limits --as-mb 3072 --cpu-s 300 --fsize-mb 64 [--user nobody] -- CMD...

Learner code (the notebook's kernel, a handler under test) is started through this wrapper:
it sets the limits on itself and then exec()s the command, so the limits hold for the command
and everything it starts. A wrapper process is used instead of ``preexec_fn`` because the
grader is multi-threaded, where ``preexec_fn`` can deadlock.
"""
from __future__ import annotations

import argparse
import os
import sys

from labkit.isolation import prctl

try:
    import resource
except ImportError:   # Windows: no POSIX resource limits (the grader is Linux-only anyway)
    resource = None

UNPRIVILEGED_USER = "nobody"


def limited_command(cmd: list[str], as_mb: int, cpu_s: int, fsize_mb: int,
                    drop_root: bool = True, die_with_parent: bool = False) -> list[str]:
    """The argv that runs ``cmd`` under these limits (``cmd`` itself where the platform has
    no POSIX limits: a learner's own laptop, never a grading machine)."""
    if resource is None:
        return list(cmd)
    argv = [sys.executable, "-m", "labkit.isolation.limits", "--as-mb", str(as_mb),
            "--cpu-s", str(cpu_s), "--fsize-mb", str(fsize_mb)]
    if die_with_parent:
        argv.append("--die-with-parent")
    if drop_root and os.geteuid() == 0:
        argv += ["--user", UNPRIVILEGED_USER]
    return argv + ["--", *cmd]


def unprivileged_ids() -> tuple[int, int] | None:
    """(uid, gid) learner code runs as, or None when we are not root (it runs as us)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:   # Windows has no root to drop
        return None
    import pwd

    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


def learner_can_run_python() -> str:
    """"" when the unprivileged user can start our Python, else what to do about it."""
    ids = unprivileged_ids()
    if ids is None:
        return ""
    import subprocess

    probe = subprocess.run(
        limited_command([sys.executable, "-c", "import labkit.checks, ipykernel"], 2048, 60, 16),
        capture_output=True, cwd="/", timeout=120)
    if probe.returncode == 0:
        return ""
    blocked = untraversable_folders()
    return (f"learner code runs as '{UNPRIVILEGED_USER}' when grading as root, but "
            f"'{UNPRIVILEGED_USER}' cannot start {sys.executable} (blocked at: "
            f"{', '.join(blocked) or 'unknown'}). Allow it to traverse those folders "
            f"(e.g. `chmod o+x {' '.join(blocked) or '/root'}`), or grade as a non-root user.")


def untraversable_folders() -> list[str]:
    """Folders others cannot enter on the way to what learner code needs: the venv's python
    (e.g. a clone in a `mktemp -d` folder, mode 0700), the interpreter it links to (e.g. under
    /root) and labkit's own source (an editable install)."""
    import labkit

    targets = {sys.executable, os.path.realpath(sys.executable), os.path.dirname(labkit.__file__)}
    folders = sorted({p for t in targets for p in _parents(t)})
    return [p for p in folders if not os.stat(p).st_mode & 0o001]


def _parents(path: str) -> list[str]:
    parts, current = [], os.path.dirname(path)
    while current and current != "/":
        parts.append(current)
        current = os.path.dirname(current)
    return list(reversed(parts))


def give_to_learner(path: str) -> None:
    """Let the unprivileged learner user own ``path`` (a work folder), when we are root."""
    ids = unprivileged_ids()
    if ids is None:
        return
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, *ids)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m labkit.isolation.limits")
    parser.add_argument("--as-mb", type=int, required=True, help="address space limit")
    parser.add_argument("--cpu-s", type=int, required=True, help="CPU time limit")
    parser.add_argument("--fsize-mb", type=int, required=True, help="largest file it may write")
    parser.add_argument("--user", help="drop to this user (only when started as root)")
    parser.add_argument("--die-with-parent", action="store_true",
                        help="get SIGKILL when the process that started us dies")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    mb = 1024 * 1024
    _lower(resource.RLIMIT_AS, args.as_mb * mb, args.as_mb * mb)
    # soft limit sends SIGXCPU (a clean death the grader can name), hard limit SIGKILL
    _lower(resource.RLIMIT_CPU, args.cpu_s, args.cpu_s + 5)
    _lower(resource.RLIMIT_FSIZE, args.fsize_mb * mb, args.fsize_mb * mb)
    _lower(resource.RLIMIT_CORE, 0, 0)
    if args.user and os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(args.user)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
    if args.die_with_parent and sys.platform.startswith("linux"):  # after setuid, which clears
        prctl.die_with_parent()                                        # it; kept across exec
    os.execvp(cmd[0], cmd)


def _lower(which: int, soft: int, hard: int) -> None:
    """Set a limit, never above the one we already have (a sandbox inside a sandbox)."""
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
    resource.setrlimit(which, (min(soft, hard), hard))


if __name__ == "__main__":
    main()
