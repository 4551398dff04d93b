"""`make lab`: the embedded backend in the background, JupyterLab in front, one Ctrl-C stops both.

    labkit lab --port 4566 --lab-port 8888

1. Check both ports before starting anything. A labkit backend already answering on PORT is
   reused (and left running on exit); anything else on either port is a clear error naming
   the way out (`make lab PORT=4567` / `make lab LAB_PORT=8889`).
2. Start the backend (`python -m labkit.emulator.server`) on PORT, in its own process group.
3. Start JupyterLab on 127.0.0.1:LAB_PORT, opened at the first lesson, with the backend's
   endpoint, dummy credentials and a region in its environment: every kernel inherits them,
   so plain `boto3.client("sqs")` in a notebook reaches the backend with nothing set by hand.
4. On Ctrl-C (SIGINT) or SIGTERM: stop JupyterLab, its kernels and the backend we started.

Children run in their own sessions so the terminal's Ctrl-C reaches only this launcher, which
then stops them in order (JupyterLab's own SIGINT handler would stop to ask "Shutdown? y/n").
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from labkit.backends import DEFAULT_REGION, fetch_json
from labkit.emulator.server import DEFAULT_HOST, ServerProcess
from labkit.isolation.ports import port_is_free

ROOT = Path(__file__).resolve().parent.parent
EXIT_PORT_BUSY = 2


class PortBusy(Exception):
    """A port we need is taken by something we cannot use; the message says the way out."""


def backend_answering(port: int, host: str = DEFAULT_HOST) -> dict | None:
    """The health document of a labkit backend on this port, or None."""
    health = fetch_json(f"http://{host}:{port}/_labkit/health", timeout=2.0)
    return health if health and health.get("backend") == "embedded" else None


def _who_listens(port: int) -> str:
    """'python (pid 123)' for the process bound to port, if we are allowed to see it."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
    except (psutil.Error, OSError):
        pass
    return "another program"


def plan(port: int, lab_port: int, host: str = DEFAULT_HOST) -> str:
    """'start' or 'reuse' for the backend; raises PortBusy with the way out."""
    if port == lab_port:
        raise PortBusy(f"PORT and LAB_PORT are both {port}: choose two different ports, "
                       f"e.g. make lab PORT={port} LAB_PORT={port + 1}")
    decision = "start"
    if not port_is_free(host, port):
        if backend_answering(port, host) is None:
            raise PortBusy(
                f"Port {port} (the AWS backend) is in use by {_who_listens(port)}, "
                f"which is not a labkit backend.\n"
                f"  Way out: stop that program, or choose another port:  make lab PORT={port + 1}")
        decision = "reuse"
    if not port_is_free(host, lab_port):
        raise PortBusy(
            f"Port {lab_port} (JupyterLab) is in use by {_who_listens(lab_port)}; "
            f"maybe another JupyterLab is running.\n"
            f"  Way out: stop it, or choose another port:  make lab LAB_PORT={lab_port + 1}")
    return decision


def first_lesson(root: Path = ROOT) -> str:
    """Path (relative to root) JupyterLab opens at: notebooks/00_*.ipynb, else the folder."""
    lessons = sorted((root / "notebooks").glob("00_*.ipynb"))
    return lessons[0].relative_to(root).as_posix() if lessons else "notebooks"


def kernel_environment(endpoint_url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Jupyter's environment: every kernel inherits the backend endpoint and dummy credentials."""
    env = dict(os.environ if base is None else base)
    for leaked in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "LABKIT_AWS_CONFIRM"):
        env.pop(leaked, None)  # a learner's real AWS session must never reach the emulator
    env.update({
        "AWS_ENDPOINT_URL": endpoint_url,
        "LABKIT_BACKEND": "embedded",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        "AWS_REGION": env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
    })
    return env


def jupyter_command(lab_port: int, token: str, open_at: str, open_browser: bool,
                    root: Path = ROOT) -> list[str]:
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={lab_port}",
        "--ServerApp.port_retries=0",  # never silently move to another port
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{open_at}",
        "--LabApp.extension_manager=readonly",  # classrooms are often offline: no PyPI lookups
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    return cmd


def wait_for_jupyter(proc: subprocess.Popen, lab_port: int, token: str, timeout: float,
                     stopping: threading.Event) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{lab_port}/api/status?token={token}"
    while time.monotonic() < deadline and not stopping.is_set():
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode} while starting "
                               f"(see the messages above).")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    if stopping.is_set():
        return  # Ctrl-C while starting: the caller stops everything
    raise RuntimeError(f"JupyterLab did not answer on port {lab_port} within {timeout:.0f}s.")


def stop_tree(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM a child and everything under it (kernels run in their own sessions), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        family = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    # Everyone at once: JupyterLab and ipykernel both exit cleanly on SIGTERM.
    for p in family:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)
    proc.wait(timeout=5)


HELP = "Start the embedded backend and JupyterLab at the first lesson (what `make lab` runs)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--port", type=int, default=4566, help="embedded backend port (make lab PORT=)")
    parser.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port (make lab LAB_PORT=)")
    parser.add_argument("--token", default=None, help="JupyterLab token (default: a random one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("--startup-timeout", type=float, default=120.0)


def run(args: argparse.Namespace) -> int:

    try:
        decision = plan(args.port, args.lab_port)
    except PortBusy as exc:
        print(f"make lab: {exc}", file=sys.stderr)
        return EXIT_PORT_BUSY

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())

    backend: ServerProcess | None = None
    jupyter: subprocess.Popen | None = None
    endpoint = f"http://{DEFAULT_HOST}:{args.port}"
    try:
        if decision == "reuse":
            print(f"labkit: reusing the embedded backend already running at {endpoint} "
                  f"(it keeps running after you stop JupyterLab).", flush=True)
        else:
            (ROOT / ".labkit").mkdir(exist_ok=True)
            log = ROOT / ".labkit" / "backend.log"
            print(f"labkit: starting the embedded backend on {endpoint} (log: {log}) ...", flush=True)
            backend = ServerProcess(port=args.port, log_path=str(log)).start()
            endpoint = backend.url

        token = args.token or secrets.token_hex(16)
        open_at = first_lesson()
        jupyter = subprocess.Popen(
            jupyter_command(args.lab_port, token, open_at, open_browser=not args.no_browser),
            env=kernel_environment(endpoint), cwd=ROOT, start_new_session=True)
        wait_for_jupyter(jupyter, args.lab_port, token, args.startup_timeout, stopping)
        if stopping.is_set():
            return 130
        print(f"\nlabkit: JupyterLab is ready: http://127.0.0.1:{args.lab_port}/lab/tree/{open_at}"
              f"?token={token}\n"
              f"labkit: notebooks reach the AWS backend at {endpoint} (AWS_ENDPOINT_URL is set).\n"
              f"labkit: press Ctrl-C to stop everything.\n", flush=True)
        while not stopping.wait(0.5):
            if jupyter.poll() is not None:
                print(f"labkit: JupyterLab exited (code {jupyter.returncode}).", file=sys.stderr)
                return jupyter.returncode or 1
        print("\nlabkit: stopping JupyterLab and the backend ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"make lab: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abort the cleanup
        if jupyter is not None:
            stop_tree(jupyter)
        if backend is not None and backend.proc is not None:
            stop_tree(backend.proc)  # also any Lambda workers it started in their own sessions
            backend.stop()  # closes its pipes

