"""The embedded backend: one HTTP endpoint for every service, like LocalStack.

moto answers the AWS APIs; our patches correct it where it differs from AWS; components
(the Lambda runtime, event-source pollers, the alarm evaluator, ...) run beside it in the
same process and share its in-memory state.

Two ways to run it:
  * in-process: ``EmbeddedServer(port=0).start()`` (one per process: moto's state is global);
  * as a subprocess: ``ServerProcess.start()``: fully isolated, on its own port. Tests and
    grading use this.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
READY_PREFIX = "LABKIT READY "
SERVICES = [
    "lambda", "sqs", "sns", "dynamodb", "dynamodbstreams", "stepfunctions", "events",
    "logs", "cloudwatch", "iam", "s3", "sts", "xray", "apigateway", "apigatewayv2",
    "cloudformation",
]


class Component(Protocol):
    """Something that runs beside moto: the Lambda runtime, a poller, an evaluator."""

    name: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def reset(self) -> None: ...
    def health(self) -> dict[str, Any]: ...


def _quiet_dummy_credentials() -> None:
    # moto's own boto3 calls (Step Functions -> Lambda) need some credentials and a region.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@dataclass
class EmbeddedServer:
    """moto + patches + components, served on one port of this process."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    components: list[Any] = field(default_factory=list)
    applied_patches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._routes: list[tuple[Callable[[str], bool], Callable]] = []  # see add_route
        self._deferred: dict[str, list[str]] = {}  # service -> patches applied on first use
        self._deferred_lock = threading.Lock()
        self._httpd = None
        self._thread: threading.Thread | None = None
        self.started_at = time.time()

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_component(self, component: Any) -> Any:
        self.components.append(component)
        return component

    def add_route(self, path: str | Callable[[str], bool], wsgi_app: Callable) -> None:
        """Serve requests with ``wsgi_app`` instead of moto when their path starts with ``path``
        (or, a function, when ``path(PATH_INFO)`` is true): for what AWS serves at URLs of its
        own (an API's invoke URL, a trace receiver)."""
        matches = path if callable(path) else (lambda info, prefix=path: info.startswith(prefix))
        self._routes.append((matches, wsgi_app))

    def component(self, name: str) -> Any:
        found = self.find_component(name)
        if found is None:
            raise KeyError(name)
        return found

    def find_component(self, name: str) -> Any | None:
        """The component called ``name``, or None where the patch that adds it is disabled (to
        prove that patch's own test): a patch extending it then has nothing to extend."""
        return next((c for c in self.components if c.name == name), None)

    def start(self) -> "EmbeddedServer":
        from werkzeug.serving import make_server
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from labkit.emulator import patches
        from labkit.emulator.http_serving import (
            answer_attribute_values_as_stored, cache_moto_dispatch, keep_alive_handler,
            own_calls_close_their_connections, skip_flask_debug_files_class,
        )
        from labkit.emulator.moto_without_flask import MotoWithoutFlask

        _quiet_dummy_credentials()
        own_calls_close_their_connections()
        cache_moto_dispatch()
        skip_flask_debug_files_class()
        moto_app = DomainDispatcherApplication(create_backend_app)
        if os.environ.get(MOTO_FAST_PATH_ENV, "1") != "0":  # "0": every call through Flask
            moto_app = MotoWithoutFlask(moto_app)
            answer_attribute_values_as_stored()   # and through moto's serializer
        self._httpd = make_server(
            self.host, self.port, self._wrap(moto_app), threaded=True,
            request_handler=keep_alive_handler(),
        )
        self.port = self._httpd.server_address[1]
        # Handlers inside workers and moto's Step Functions interpreter call back here.
        os.environ["MOTO_PORT"] = str(self.port)
        os.environ["LABKIT_SERVER_URL"] = self.url
        _enable_step_functions_execution()
        self.applied_patches = patches.apply_all(self)
        self._deferred = dict(patches.DEFERRED_PATCH_MODULES)
        for c in self.components:
            c.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="labkit-http", daemon=True)
        self._thread.start()
        if os.environ.get(WARM_UP_ENV, "1") != "0":  # the grader turns it off: throughput first
            threading.Thread(target=_warm_up_step_functions, name="labkit-warm-up", daemon=True).start()
        return self

    def stop(self) -> None:
        for c in reversed(self.components):
            try:
                c.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"labkit: stopping {c.name} failed: {exc}", file=sys.stderr)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def reset(self) -> None:
        """Wipe every service's state and every execution environment."""
        from moto.moto_api._internal.models import moto_api_backend

        for c in self.components:
            c.reset()
        moto_api_backend.reset()
        _enable_step_functions_execution()

    def health(self) -> dict[str, Any]:
        return {
            "backend": "embedded",
            "version": _labkit_version(),
            "url": self.url,
            "uptime_s": round(time.time() - self.started_at, 1),
            "services": {name: "running" for name in SERVICES},
            "patches": self.applied_patches,
            "components": {c.name: c.health() for c in self.components},
        }

    # -- HTTP ------------------------------------------------------------------------
    def _wrap(self, moto_app):
        """Answer our own routes; pass every AWS request to moto."""
        from labkit.emulator.access_guard import from_environment

        guard = from_environment()  # on a shared hub only: answer only this learner

        def app(environ, start_response):
            refused = guard.refusal(environ) if guard is not None else None
            if refused:
                return guard.deny(environ, start_response, refused)
            path = environ.get("PATH_INFO", "")
            method = environ.get("REQUEST_METHOD", "GET")
            if path in ("/_labkit/health", "/_localstack/health", "/health"):
                body = self.health()
                if path == "/_localstack/health":
                    body = {"services": body["services"], "edition": "labkit-embedded",
                            "version": body["version"], "labkit": body}
                return _json_response(start_response, 200, body)
            if path == "/_labkit/reset" and method == "POST":
                self.reset()
                return _json_response(start_response, 200, {"reset": True})
            if self._deferred:
                self._apply_deferred(_signed_service(environ))
            for matches, route in self._routes:
                if matches(path):
                    return route(environ, start_response)
            return moto_app(environ, start_response)

        return app


    def _apply_deferred(self, service: str | None) -> None:
        """Apply a service's deferred patches (patches.DEFERRED_PATCH_MODULES) before its
        first request reaches moto."""
        if service not in self._deferred:
            return
        from labkit.emulator import patches

        with self._deferred_lock:   # the service's other requests wait until it is done
            modules = self._deferred.get(service)
            if modules:
                self.applied_patches += patches.apply_all(self, modules)
                del self._deferred[service]


def _signed_service(environ) -> str | None:
    """The service a SigV4-signed request names: Credential=<key>/<date>/<region>/<service>/..."""
    credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2]
    parts = credential.split("/", 4)
    return parts[3] if len(parts) > 3 else None


def _json_response(start_response, status: int, body: dict) -> list[bytes]:
    data = json.dumps(body, default=str).encode()
    start_response(f"{status} OK", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(data)))])
    return [data]


def _enable_step_functions_execution() -> None:
    # moto only interprets state machines (real ASL, Task -> Lambda) when told to.
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    default_user_config.setdefault("lambda", {})["use_docker"] = False


WARM_UP_ENV = "LABKIT_WARM_UP_STEP_FUNCTIONS"
# "0": every AWS request through moto's Flask apps and its serializer as moto has them, without
# moto_without_flask.MotoWithoutFlask and http_serving.answer_attribute_values_as_stored
# (tests/conformance/test_moto_fast_path.py compares the two answers)
MOTO_FAST_PATH_ENV = "LABKIT_MOTO_FAST_PATH"


def _warm_up_step_functions() -> None:
    """moto's ASL interpreter costs ~1.5-3 s to import and prime on first use: pay that in the
    background right after start-up, not inside a learner's first create_state_machine."""
    try:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        AmazonStateLanguageParser.parse('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}')
    except Exception as exc:  # a warm-up must never take the server down
        print(f"labkit: Step Functions warm-up failed: {exc}", file=sys.stderr)


def _labkit_version() -> str:
    from labkit import __version__

    return __version__


# -- subprocess mode -------------------------------------------------------------------

class ServerProcess:
    """An embedded backend in its own process: isolated state, its own port."""

    def __init__(self, port: int = 0, host: str = DEFAULT_HOST, env: dict[str, str] | None = None,
                 log_path: str | None = None,
                 command_wrapper: Callable[[list[str]], list[str]] | None = None):
        self.host, self.requested_port = host, port
        self.env = env
        self.log_path = log_path
        # e.g. run the server (and so every Lambda worker it starts) as an unprivileged user
        self.command_wrapper = command_wrapper or (lambda cmd: cmd)
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self, timeout: float = 60.0) -> "ServerProcess":
        env = dict(os.environ if self.env is None else self.env)
        env.pop("AWS_ENDPOINT_URL", None)  # the server never talks to another backend
        env.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENAS)   # glibc reads it at start-up
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            self.command_wrapper([sys.executable, "-m", "labkit.emulator.server", "--host",
                                  self.host, "--port", str(self.requested_port),
                                  "--exit-with-parent"]),
            stdout=subprocess.PIPE, stderr=log, env=env, start_new_session=True,
        )
        ready = _read_ready_line(self.proc, timeout)
        self.url = ready
        return self

    @property
    def port(self) -> int:
        assert self.url
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            import signal

            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _read_ready_line(proc: subprocess.Popen, timeout: float) -> str:
    """The child prints one READY line with its real URL once it is serving."""
    result: list[str] = []

    def reader():
        for raw in proc.stdout:  # type: ignore[union-attr]
            line = raw.decode(errors="replace").strip()
            if line.startswith(READY_PREFIX):
                result.append(line[len(READY_PREFIX):])
                return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(timeout)
    if not result:
        proc.kill()
        raise RuntimeError(f"labkit server did not become ready within {timeout:.0f}s "
                           f"(exit code {proc.poll()})")
    # keep draining stdout so the child never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    return result[0]


# A backend runs a thread per open connection, Step Functions execution and Lambda environment
# (~200 at once grading lab 05), and a grading backend runs under an address-space limit
# (RLIMIT_AS, labkit.isolation.limits): at Linux's default 8 MiB of stack per thread and up to
# 8 malloc arenas of 64 MiB per core (glibc mallopt(3), M_ARENA_MAX), lab 05's backend reached
# 2.8 of its 3 GiB and a few more threads failed to start. 4 MiB is half the default and still
# ample for Python's recursion limit; the arenas are capped where the process starts.
THREAD_STACK_BYTES = 4 * 1024 * 1024
MALLOC_ARENAS = "2"


def serve_forever(host: str, port: int, exit_with_parent: bool = False) -> None:
    """Run until SIGTERM/SIGINT; print the READY line once serving. With exit_with_parent,
    also stop when the process that started us dies (a grader killed with -9 must not leave
    backends and their Lambda workers behind)."""
    import signal

    threading.stack_size(THREAD_STACK_BYTES)
    server = EmbeddedServer(host=host, port=port).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if exit_with_parent:
        threading.Thread(target=_stop_when_orphaned, args=(os.getppid(), stop),
                         name="labkit-parent-watch", daemon=True).start()
    print(f"{READY_PREFIX}{server.url}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()


def _stop_when_orphaned(parent_pid: int, stop: threading.Event) -> None:
    # When the parent dies we are re-parented (to init or a subreaper): getppid() changes.
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:
            stop.set()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m labkit.emulator.server")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the starting process dies (used by ServerProcess)")
    a = parser.parse_args()
    serve_forever(a.host, a.port, a.exit_with_parent)
