"""A real JupyterHub on 127.0.0.1 for tests: configurable-http-proxy from .hub-tools (npm),
DummyAuthenticator with a password, SimpleLocalProcessSpawner with homes under a temporary
folder (no system users), and a service token with the scopes to create users, start and
stop their servers and use them.

The labkit part comes from deploy/hub/ as the recipes install it: the hub settings
(jupyterhub_config_labkit.py, loaded as it is) and the config file that enables the labkit
extension in every learner's server (jupyter_server_config.d/labkit-hub.json).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from labkit.isolation.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / ".hub-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
# jupyterhub and what it adds to the venv (requirements-hub.txt), apart from the learner's venv:
# the hub and each learner's server (the spawner keeps PYTHONPATH) import it from there
HUB_PACKAGES = ROOT / ".hub-tools" / "python"
LABKIT_HUB_CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config_labkit.py"
ENABLE_EXTENSION = ROOT / "deploy" / "hub" / "jupyter_server_config.d" / "labkit-hub.json"
PASSWORD = "labkit-workshop"
SERVICE = "labkit-test"

CONFIG = """
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {folder!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {folder!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {folder!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.start_timeout = 240       # a loaded, shared 2-core machine
c.Spawner.http_timeout = 240
c.JupyterHub.services = [{{"name": {service!r}, "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": {service!r}, "services": [{service!r}],
    "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"]}}]

load_subconfig({labkit_config!r})   # what TLJH gets: lesson 00 landing page, course folder
c.Spawner.environment.update({{
    "LABKIT_COURSE_DIR": {course!r},        # this checkout, not /opt/labkit/course
    # the recipes' config file that enables the extension, from a folder of its own here
    # (deployments put it into the learners' environment, here that is this machine's venv)
    "JUPYTER_CONFIG_PATH": {jupyter_config!r},
}})
c.Spawner.args = {root_args!r}
"""


class Hub:
    def __init__(self, folder: Path):
        self.folder = folder
        self.homes = folder / "homes"
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = folder / "jupyterhub.log"

    def start(self, timeout: float = 120.0) -> "Hub":
        for tool in (PROXY, HUB_PACKAGES / "jupyterhub"):
            assert tool.exists(), f"{tool} missing: run `make hub-tools` (part of `make test`)"
        self.homes.mkdir(parents=True, exist_ok=True)
        jupyter_config = self.folder / "jupyter-config"
        (jupyter_config / "jupyter_server_config.d").mkdir(parents=True)
        shutil.copy(ENABLE_EXTENSION, jupyter_config / "jupyter_server_config.d")
        hub_port = free_port(exclude=(self.port,))
        config = self.folder / "jupyterhub_config.py"
        config.write_text(CONFIG.format(
            port=self.port, hub_port=hub_port, proxy_api_port=free_port(exclude=(self.port, hub_port)),
            proxy=str(PROXY), folder=str(self.folder), password=PASSWORD, homes=str(self.homes),
            singleuser=str(HUB_PACKAGES / "bin" / "jupyterhub-singleuser"),
            service=SERVICE, token=self.token, labkit_config=str(LABKIT_HUB_CONFIG),
            course=str(ROOT), jupyter_config=str(jupyter_config), root_args=["--allow-root"] if os.geteuid() == 0 else []))
        # The learners' servers get only what the spawner passes on: no AWS_* or LABKIT_* here.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HUB_PACKAGES),
                                                          env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=self.folder, env=env,
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/hub/api/", timeout=3)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyterhub did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def processes(self) -> list[psutil.Process]:
        """The hub and everything it started (proxy, learners' servers and theirs)."""
        try:
            hub = psutil.Process(self.proc.pid)
            return [hub, *hub.children(recursive=True)]
        except (psutil.NoSuchProcess, AttributeError):
            return []

    def stop(self, grace: float = 60.0) -> list[psutil.Process]:
        """SIGTERM the hub (it stops the servers and the proxy itself); return what outlived
        the grace period, after killing it, so the test can fail on it."""
        family = self.processes()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        _, alive = psutil.wait_procs(family, timeout=grace)
        for p in alive:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        if self.proc is not None:
            self.proc.wait(timeout=10)
        return alive
