"""A tiny client for the Jupyter server's own kernel API: what JupyterLab does in the browser.

POST /api/kernels starts a kernel; code runs over the kernel's channels websocket using the
Jupyter messaging protocol (JSON messages with header / parent_header / content / channel).
"""
from __future__ import annotations

import json
import time
import urllib.request
import uuid
import warnings
from datetime import datetime, timezone

import websocket  # websocket-client

# A wait in recv() is cut this short, so that the deadline is looked at again: the server's
# websocket pings would otherwise restart a socket timeout as long as the deadline itself, and a
# reply that never comes would be waited for forever. websocket-client keeps a frame read in
# part across a timeout, so nothing is lost by it.
RECV_POLL_S = 5.0


class JupyterServer:
    def __init__(self, port: int, token: str):
        self.base = f"http://127.0.0.1:{port}"
        self.ws_base = f"ws://127.0.0.1:{port}"
        self.token = token

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def start_kernel(self) -> str:
        return self._request("POST", "/api/kernels", {"name": "python3"})["id"]

    def kernels(self) -> list[dict]:
        return self._request("GET", "/api/kernels")

    def execute(self, kernel_id: str, code: str, timeout: float = 120.0) -> dict:
        """Run code in the kernel; return {"status", "stdout", "error"} once it replied."""
        return execute_on_channels(
            f"{self.ws_base}/api/kernels/{kernel_id}/channels?token={self.token}", code, timeout)


def execute_on_channels(url: str, code: str, timeout: float, header: list[str] | None = None) -> dict:
    """Run code through a kernel's channels websocket (``url``); {"status", "stdout", "error"}
    once both the shell reply and the iopub "idle" for this request have arrived.

    A connection that drops mid-run is opened again with the same session id, as JupyterLab
    does: the server keeps what the kernel sent meanwhile for that session and replays it
    (jupyter_server's ZMQChannelsWebsocketConnection, "Replaying N buffered messages"). A kernel
    or server that is gone does not come back this way: the reply never arrives and the call
    runs out of time, or the new connection is refused."""
    session = uuid.uuid4().hex
    url += ("&" if "?" in url else "?") + f"session_id={session}"
    msg_id = uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    ws = _connect(url, deadline, header)
    try:
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                       "session": session, "version": "5.3",
                       "date": datetime.now(timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        stdout, error, status, idle = [], None, None, False
        while (status is None or not idle) and time.monotonic() < deadline:
            try:
                msg = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue   # nothing for RECV_POLL_S: look at the deadline again
            except (websocket.WebSocketConnectionClosedException, ConnectionResetError):
                # shown in the suite's warnings summary: a run that needed it says so
                warnings.warn(f"kernel websocket lost mid-run, opened again: {url.split('?')[0]}")
                ws.close()
                ws = _connect(url, deadline, header)
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                stdout.append(msg["content"]["text"])
            elif kind == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            elif kind == "execute_reply":
                status = msg["content"]["status"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        return {"status": status, "stdout": "".join(stdout), "error": error}
    finally:
        ws.close()


def _connect(url: str, deadline: float, header: list[str] | None) -> websocket.WebSocket:
    """Open the channels websocket (the handshake may take what is left of the deadline), then
    cut each later wait in recv() to RECV_POLL_S."""
    ws = websocket.create_connection(url, timeout=max(1.0, deadline - time.monotonic()),
                                     header=header or [])
    ws.settimeout(RECV_POLL_S)
    return ws
