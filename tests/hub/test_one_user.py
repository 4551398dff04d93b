"""The extension without a hub: one user's JupyterLab (a laptop), the extension enabled by the
config file the recipes install (deploy/hub/jupyter_server_config.d/labkit-hub.json, here in a
temporary JUPYTER_CONFIG_DIR instead of this machine's venv). The server starts its backend,
kernels reach it with nothing set, and it stops with the server."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.hub.memory import tree
from tests.lab.kernel_client import JupyterServer
from labkit.isolation.ports import free_port

BIN = Path(sys.executable).parent
ENABLE = Path(__file__).resolve().parents[2] / "deploy/hub/jupyter_server_config.d/labkit-hub.json"
TOKEN = "labkit-one-user"


def test_one_user_jupyterlab_gets_its_own_backend_and_stops_it(tmp_path):
    home, config = tmp_path / "home", tmp_path / "jupyter-config"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(config))
    (config / "jupyter_server_config.d").mkdir(parents=True)
    shutil.copy(ENABLE, config / "jupyter_server_config.d")   # what the recipes install
    listing = subprocess.run([BIN / "jupyter", "server", "extension", "list"], env=env,
                             capture_output=True, text=True)
    assert re.search(r"labkit\.hub\.extension\s+\S*enabled.*\n.*\n\s+labkit\.hub\.extension\s+\S*OK",
                     listing.stdout + listing.stderr), listing

    port = free_port()
    log = tmp_path / "jupyterlab.log"
    cmd = [BIN / "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    lab = subprocess.Popen(cmd, cwd=home, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    family: list[psutil.Process] = []
    try:
        _wait_for(port, lab, log)
        jupyter = JupyterServer(port, TOKEN)
        kernel = jupyter.start_kernel()
        result = jupyter.execute(kernel, (
            "import os, boto3, labkit.backends\n"
            "labkit.backends.connect()\n"
            "boto3.client('sqs').create_queue(QueueName='on-my-laptop')\n"
            "print(os.environ['AWS_ENDPOINT_URL'], os.environ['AWS_ACCESS_KEY_ID'])\n"))
        assert result["status"] == "ok", result
        endpoint, key = result["stdout"].split()
        assert endpoint.startswith("http://127.0.0.1:") and key.startswith("LKIA")
        assert (home / "notebooks" / "00_start_here.ipynb").is_file()   # the course, copied once
        family = tree(lab.pid)
        assert any("labkit.emulator.server" in " ".join(p.cmdline()) for p in family)
        os.kill(lab.pid, signal.SIGTERM)   # what closing the laptop's JupyterLab does
        _, alive = psutil.wait_procs(family, timeout=60)
        assert not alive, f"outlived JupyterLab: {[p.cmdline() for p in alive]}"
    finally:
        for p in [*family, *tree(lab.pid)]:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        lab.wait(timeout=30)


def _wait_for(port: int, lab: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.poll() is not None:
            pytest.fail(f"JupyterLab exited ({lab.returncode}):\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=3)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}")
