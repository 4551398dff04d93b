"""What the tests do to a hub: JupyterHub's REST API (users, servers), and each learner's
Jupyter server behind the hub's proxy (/user/NAME/api/...: kernels, code over the kernel's
websocket, as JupyterLab does; see tests/lab/kernel_client.py). Every request carries the
test service's token in an Authorization header: JupyterHub accepts tokens in URLs only from
browsers' websockets."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from tests.lab.kernel_client import execute_on_channels


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HubAPI:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 60.0):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)

    def create_users(self, names: list[str]) -> None:
        self.request("POST", "/hub/api/users", {"usernames": names})

    def start_server(self, name: str) -> None:
        self.request("POST", f"/hub/api/users/{name}/server")

    def server(self, name: str) -> dict | None:
        return self.request("GET", f"/hub/api/users/{name}")[1]["servers"].get("")

    def wait(self, name: str, ready: bool, timeout: float) -> None:
        """Until the learner's server is up (ready) or gone (not ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.server(name)
            if (bool(server and server.get("ready")) if ready else server is None):
                return
            time.sleep(1.0)
        raise TimeoutError(f"{name}'s server not {'ready' if ready else 'stopped'} after {timeout:.0f}s")

    def stop_server(self, name: str) -> None:
        self.request("DELETE", f"/hub/api/users/{name}/server")

    def learner(self, name: str) -> "LearnerServer":
        return LearnerServer(f"{self.url}/user/{name}", self.token)


class LearnerServer:
    """One learner's Jupyter server, reached through the hub's proxy."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def request(self, method: str, path: str, body: dict | None = None):
        return HubAPI(self.base, self.token).request(method, path, body)[1]

    def landing_page(self) -> str:
        """Where the server's / redirects to (the hub's default_url)."""
        opener = urllib.request.build_opener(NoRedirect)
        req = urllib.request.Request(self.base + "/", headers={"Authorization": f"token {self.token}"})
        try:
            opener.open(req, timeout=30)
        except urllib.error.HTTPError as redirect:
            return redirect.headers.get("Location", "")
        return ""

    def start_kernel(self, path: str = "") -> str:
        """A python3 kernel whose working folder is `path` (relative to the learner's home)."""
        return self.request("POST", "/api/kernels", {"name": "python3", "path": path})["id"]

    def execute(self, kernel_id: str, code: str, timeout: float = 300.0) -> dict:
        """Run code in the kernel; {"status", "stdout", "error"} once it replied."""
        url = self.base.replace("http://", "ws://", 1) + f"/api/kernels/{kernel_id}/channels"
        return execute_on_channels(url, code, timeout, header=[f"Authorization: token {self.token}"])

    def run(self, kernel_id: str, code: str, timeout: float = 300.0) -> str:
        """Run code that must succeed; its printed output."""
        result = self.execute(kernel_id, code, timeout)
        assert result["status"] == "ok", f"{self.base}: {result}\n--- code:\n{code[:2000]}"
        return result["stdout"]
