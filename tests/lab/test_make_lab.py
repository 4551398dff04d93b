"""`make lab` as a learner gets it (issue 2, item 2 and its acceptance line): the launcher on
fixed ports, JupyterLab answering on 127.0.0.1, a kernel started through the Jupyter server's
own REST + websocket API reaching the embedded backend with nothing set by hand, and Ctrl-C
stopping every process the launcher started."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import psutil
import pytest

from labkit.lab_launcher import first_lesson
from tests.lab.kernel_client import JupyterServer
from labkit.isolation.ports import free_port, port_is_free

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "labkit-test-token"
STARTUP_DEADLINE = 240.0  # a loaded, shared 2-core machine: generous, never a timing assertion


def _learner_env() -> dict[str, str]:
    """A shell with nothing AWS- or labkit-related set: the launcher must provide it all."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}


def _launch(port: int, lab_port: int, log: Path) -> subprocess.Popen:
    out = open(log, "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", "lab", "--port", str(port), "--lab-port",
         str(lab_port), "--no-browser", "--token", TOKEN],
        cwd=ROOT, env=_learner_env(), stdout=out, stderr=subprocess.STDOUT)


def _wait_until(predicate, deadline_s: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    pytest.fail(f"timed out after {deadline_s:.0f}s waiting for {what}\n{tail}")


def _jupyter_answers(lab_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{lab_port}/api/status?token={TOKEN}", timeout=3):
            return True
    except OSError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _kill_tree(pid: int, known: list[psutil.Process] = ()) -> None:
    try:
        family = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in [*family, *known]:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture
def lab(tmp_path):
    port = free_port()
    lab_port = free_port(exclude=(port,))
    log = tmp_path / "make-lab.log"
    proc = _launch(port, lab_port, log)
    started: list[psutil.Process] = []  # filled by the test, so a failed test leaks nothing
    try:
        yield proc, port, lab_port, log, started
    finally:
        _kill_tree(proc.pid, started)  # only if the test failed half-way; normally all gone


def test_kernel_started_through_jupyter_api_reaches_backend_and_ctrl_c_stops_everything(lab):
    proc, port, lab_port, log, started = lab
    _wait_until(lambda: proc.poll() is not None or _jupyter_answers(lab_port), STARTUP_DEADLINE,
                "JupyterLab to answer", log)
    assert proc.poll() is None, log.read_text()

    # Opened at the first lesson: "/" redirects there.
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"http://127.0.0.1:{lab_port}/?token={TOKEN}", timeout=10)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].startswith(f"/lab/tree/{first_lesson()}")

    # A kernel started as JupyterLab starts one; plain boto3, nothing configured in the cell.
    jupyter = JupyterServer(lab_port, TOKEN)
    kernel_id = jupyter.start_kernel()
    queue = f"make-lab-probe-{uuid.uuid4().hex[:8]}"
    result = jupyter.execute(kernel_id, (
        "import os, boto3\n"
        f"boto3.client('sqs').create_queue(QueueName={queue!r})\n"
        "print(os.getpid(), os.environ['AWS_ENDPOINT_URL'])\n"))
    assert result["status"] == "ok", result
    kernel_pid, kernel_endpoint = result["stdout"].split()
    assert kernel_endpoint == f"http://127.0.0.1:{port}"

    # The queue exists in the embedded backend the launcher started on PORT.
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    urls = sqs.list_queues(QueueNamePrefix=queue).get("QueueUrls", [])
    assert [u.rsplit("/", 1)[1] for u in urls] == [queue]

    # Everything the launcher started, including the kernel (which runs in its own session).
    family = psutil.Process(proc.pid).children(recursive=True)
    started.extend(family)
    assert int(kernel_pid) in {p.pid for p in family}
    assert len(family) >= 3  # backend, JupyterLab, kernel

    proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal delivers
    _wait_until(lambda: proc.poll() is not None, 90, "the launcher to exit after Ctrl-C", log)
    assert proc.returncode == 0, log.read_text()[-3000:]
    _wait_until(lambda: not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE],
                30, "every started process to be gone", log)
    assert port_is_free("127.0.0.1", port) and port_is_free("127.0.0.1", lab_port)


def _occupy(port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


@pytest.mark.parametrize("busy, way_out", [("lab_port", "LAB_PORT="), ("port", "PORT=")])
def test_busy_port_gives_a_clear_message_and_nonzero_exit(tmp_path, busy, way_out):
    port = free_port()
    lab_port = free_port(exclude=(port,))
    blocker = _occupy(lab_port if busy == "lab_port" else port)
    try:
        log = tmp_path / "make-lab.log"
        proc = _launch(port, lab_port, log)
        try:
            proc.wait(timeout=120)
        finally:
            _kill_tree(proc.pid)
        message = log.read_text()
        assert proc.returncode == 2, message
        taken = lab_port if busy == "lab_port" else port
        assert f"Port {taken}" in message and f"make lab {way_out}" in message
        # Nothing was started: the other port is still free.
        other = port if busy == "lab_port" else lab_port
        assert port_is_free("127.0.0.1", other)
    finally:
        blocker.close()
