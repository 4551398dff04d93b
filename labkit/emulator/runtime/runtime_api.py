"""Our Lambda Runtime API: the HTTP endpoint an execution environment's runtime client
(awslambdaric, or portable_client.py) talks to, like the sandbox's AWS_LAMBDA_RUNTIME_API
on AWS.

One small server per environment, on its own 127.0.0.1 port, so the port identifies the
environment. Routes (AWS "Using the Lambda runtime API for custom runtimes"):
  GET  /2018-06-01/runtime/invocation/next          -> blocks until there is work
  POST /2018-06-01/runtime/invocation/{id}/response -> the handler's result
  POST /2018-06-01/runtime/invocation/{id}/error    -> the handler raised
  POST /2018-06-01/runtime/init/error               -> the handler module failed to load
The /next answer must carry Content-Type: application/json (without it the native
client segfaults) and the Lambda-Runtime-* headers. TCP_NODELAY + keep-alive keep a warm
round trip well under a millisecond (naively ~43 ms: Nagle vs delayed ACK).
"""
from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from labkit.emulator import access_peer
from labkit.emulator.access_guard import KEY_ENV

PREFIX = "/2018-06-01/runtime"


class RuntimeApiHost(Protocol):
    """What the server asks its environment for (implemented by environment.Environment)."""

    def next_invocation(self): ...           # -> Invocation | None (None: shutting down)
    def invocation_result(self, request_id: str, body: bytes, error_type: str | None) -> None: ...
    def init_error(self, body: bytes, error_type: str | None) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive: one connection for the environment's life
    server: "RuntimeApiServer"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            return self._reply(404, b'{"errorMessage":"not found"}')
        inv = self.server.host.next_invocation()
        if inv is None:  # environment is going away: hang up, the worker will be killed
            self.close_connection = True
            return self._reply(410, b'{"errorMessage":"environment stopped"}')
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(inv.payload)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", inv.request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", inv.function_arn)
        self.send_header("Lambda-Runtime-Trace-Id", inv.trace_id)
        self.end_headers()
        self.wfile.write(inv.payload)

    def do_POST(self) -> None:
        body = self._read_body()
        path = self.path
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if path == f"{PREFIX}/init/error":
            self.server.host.init_error(body, error_type)
        elif path.startswith(f"{PREFIX}/invocation/") and path.endswith("/response"):
            request_id = path[len(f"{PREFIX}/invocation/"):-len("/response")]
            self.server.host.invocation_result(request_id, body, None)
        elif path.startswith(f"{PREFIX}/invocation/") and path.endswith("/error"):
            request_id = path[len(f"{PREFIX}/invocation/"):-len("/error")]
            self.server.host.invocation_result(request_id, body, error_type or "Unhandled")
        else:
            return self._reply(404, b'{"errorMessage":"not found"}')
        self._reply(202, b'{"status":"OK"}')

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RuntimeApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: RuntimeApiHost):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.host = host
        # On a shared hub (a learner's backend: access_guard), loopback ports are everyone's:
        # only processes of this backend's own user (its workers) may fetch or answer work.
        self.same_user_only = bool(os.environ.get(KEY_ENV)) and access_peer.supported()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.5},
                                        name="lambda-runtime-api", daemon=True)

    def verify_request(self, request, client_address) -> bool:
        if not self.same_user_only:
            return True
        owner = access_peer.socket_owner(client_address[:2], self.server_address[:2])
        return owner is not None and owner[0] == os.getuid()

    def handle_error(self, request, client_address) -> None:
        pass  # a worker killed mid-request (timeout, crash) is normal here

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "RuntimeApiServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
