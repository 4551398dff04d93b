"""On a shared hub, a learner's Lambda Runtime API ports (one per execution environment, on
127.0.0.1) answer only processes of that learner's own user: another learner could otherwise
fetch or answer their invocations. Off a hub (the key unset) nothing changes."""
from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys

import pytest

from labkit.emulator.access_guard import KEY_ENV
from labkit.isolation.limits import untraversable_folders
from labkit.emulator.runtime.runtime_api import RuntimeApiServer

PROBE = """
import http.client, sys
conn = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
try:
    conn.request("GET", "/not-a-route")
    print(conn.getresponse().status)
except (ConnectionError, http.client.HTTPException):
    print("refused")
"""


@pytest.fixture(autouse=True, scope="module")
def other_user_can_run_python():
    """The probe runs as `nobody`, which must be able to start our Python (a venv under /root
    on this kind of machine): allow traversal of the folders in the way, as grading does."""
    for folder in untraversable_folders():
        os.chmod(folder, os.stat(folder).st_mode | stat.S_IXOTH)


def _probe(server: RuntimeApiServer, as_user: str | None) -> str:
    host, port = server.server_address[:2]
    user = pwd.getpwnam(as_user) if as_user else None

    def become():
        import os
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    out = subprocess.run([sys.executable, "-c", PROBE, host, str(port)], capture_output=True,
                         text=True, timeout=30, cwd="/", preexec_fn=become if user else None)
    return out.stdout.strip()


def _server(monkeypatch, key: str | None) -> RuntimeApiServer:
    if key:
        monkeypatch.setenv(KEY_ENV, key)
    else:
        monkeypatch.delenv(KEY_ENV, raising=False)
    return RuntimeApiServer(host=None).start()


def test_on_a_hub_only_the_backends_own_user_reaches_its_runtime_api(monkeypatch):
    server = _server(monkeypatch, "LKIA0123456789ABCDEF")
    try:
        assert _probe(server, None) == "404"          # our own worker: answered
        assert _probe(server, "nobody") == "refused"  # another user: closed unanswered
    finally:
        server.stop()


def test_off_a_hub_nothing_changes(monkeypatch):
    server = _server(monkeypatch, None)
    try:
        assert _probe(server, "nobody") == "404"
    finally:
        server.stop()
