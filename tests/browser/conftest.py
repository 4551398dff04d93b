"""JupyterLab in Debian's Chromium, driven by Playwright: what a learner actually sees.

One JupyterLab + one embedded backend per test session and runtime path (awslambdaric; the
portable path: every other lesson and the example lab's solution), serving a *copy* of the notebooks
(JupyterLab saves what it runs; the committed notebooks must stay without outputs).
Screenshots go to test-output/screenshots/ (printed at the end of the session).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from labkit.emulator.server import ServerProcess
from labkit.isolation.ports import free_port, port_is_free
from labkit.platform_support import PORTABLE_ENV
from tests.browser.jupyterlab_page import UI_REACTION_S

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "screenshots"
# Flags verified on this kind of machine (shared/design.md): no GPU, no network chatter.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PORTABLE = {PORTABLE_ENV: "1"}
COPIED = ["notebooks", "labs", "solutions", "tests/notebooks/fixtures"]


def _wait_http(url: str, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {deadline_s:.0f}s")


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("lab-workspace")
    for rel in COPIED:
        src = ROOT / rel
        if src.exists():
            shutil.copytree(src, ws / rel, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # JupyterLab settings: no "news" popup covering the page in screenshots.
    settings = ws / ".jupyter-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return ws


def _jupyterlab(workspace: Path, tmp_path_factory, extra_env: dict[str, str]):
    """JupyterLab and its own backend, both with ``extra_env`` (the path under test)."""
    backend = ServerProcess(log_path=str(tmp_path_factory.mktemp("srv") / "server.log"),
                            env=dict(os.environ, **extra_env)).start()
    port = free_port()
    assert port_is_free("127.0.0.1", port)
    env = dict(os.environ, AWS_ENDPOINT_URL=backend.url, LABKIT_BACKEND="embedded",
               AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               JUPYTERLAB_SETTINGS_DIR=str(workspace / ".jupyter-settings"), MPLBACKEND="module://matplotlib_inline.backend_inline",
               **extra_env)
    env.pop("PYTHONPATH", None)  # kernels use the learner's venv only, as with `make lab`
    log = open(tmp_path_factory.mktemp("jl") / "jupyterlab.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={workspace}", "--ServerApp.disable_check_xsrf=True",
         # trust signatures in memory: the two test servers (and the hub's) would otherwise
         # share one SQLite file, which a busy machine can keep locked past a read of a
         # notebook (make test run 20c: a 500 from the contents API)
         "--NotebookNotary.db_file=:memory:"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url + "/api/status", 90)
        yield url
    finally:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        backend.stop()


@pytest.fixture(scope="session")
def jupyterlab(workspace, tmp_path_factory):
    """JupyterLab and its backend as `make lab` starts them on Linux (awslambdaric runtime)."""
    yield from _jupyterlab(workspace, tmp_path_factory, {})


@pytest.fixture(scope="session")
def jupyterlab_portable(workspace, tmp_path_factory):
    """The same on the macOS/Windows path (LABKIT_PORTABLE=1, backend and kernels alike): every
    other lesson runs here, and the example lab's solution."""
    yield from _jupyterlab(workspace, tmp_path_factory, PORTABLE)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run installs it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def shut_down_after():
    """Call with (JupyterLab's url, a notebook's path): after the test, that notebook's kernel is
    shut down, as JupyterLab's "Close and Shut Down Notebook" does. A closed tab leaves its
    kernel running; without this the suite's four JupyterLab servers once held 14 idle kernels
    (~280 MB each)."""
    opened: list[tuple[str, str]] = []
    yield lambda url, path: opened.append((url, path))
    for url, path in opened:
        with urllib.request.urlopen(url + "/api/sessions", timeout=30) as answer:
            sessions = json.load(answer)
        for session in sessions:
            if session["path"] == path:   # deleting the session shuts its kernel down
                urllib.request.urlopen(urllib.request.Request(
                    f"{url}/api/sessions/{session['id']}", method="DELETE"), timeout=60).close()


@pytest.fixture
def page(browser, tmp_path):
    # A tall viewport: full_page screenshots only capture the viewport in JupyterLab.
    ctx = browser.new_context(viewport={"width": 1280, "height": 2400})
    pg = ctx.new_page()
    pg.set_default_timeout(UI_REACTION_S * 1000)   # clicks and key presses, as for the waits
    yield pg
    ctx.close()


def pytest_sessionfinish(session, exitstatus):
    if SHOTS.exists() and any(SHOTS.iterdir()):
        print(f"\nbrowser screenshots: {SHOTS}")
