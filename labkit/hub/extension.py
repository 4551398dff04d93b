"""Jupyter server extension: each learner's Jupyter server runs its own embedded AWS backend.

Enabled by the config file deploy/hub/jupyter_server_config.d/labkit-hub.json, copied into
the learners' environment (PREFIX/etc/jupyter/jupyter_server_config.d/) by the hub recipes, or
for one server:  jupyter lab --ServerApp.jpserver_extensions=labkit.hub.extension=True

Why a server extension and not jupyter-server-proxy's `server_processes`: kernels inherit the
Jupyter server's environment. An extension runs inside the server as it starts, so it can start
the backend and put AWS_ENDPOINT_URL, the learner's key and a region into os.environ before any
kernel or terminal exists: plain `boto3.client("sqs")` in any notebook reaches the learner's own
backend with no step by the learner, and no proxy sits between boto3 and the backend.
`server_processes` starts its process lazily, on the first request to its proxied URL, and sets
nothing in the kernels' environment, so every notebook would need a step to find its backend
(through the proxy's URL), and the kit would gain a dependency.

At server start (on `load`):
1. A backend already chosen (AWS_ENDPOINT_URL, or LABKIT_BACKEND=localstack|aws: `make lab`,
   the compose file) is left alone: nothing starts.
2. The course (notebooks/, labs/) is copied into the learner's folder if missing (course.py).
3. The backend starts on 127.0.0.1, on a free port, with a fresh access key
   (labkit/emulator/access_guard.py): it answers only requests signed with that key, or
   coming from this server's own processes (on Linux; elsewhere, a one-user laptop, the
   backend is unguarded, as with `make lab`).
4. Kernels' environment: lab_launcher.kernel_environment(endpoint), with the key as
   AWS_ACCESS_KEY_ID.
5. When the server exits, the backend and its Lambda workers stop; if the server is killed
   (SIGKILL), the backend sees its parent gone (--exit-with-parent) and stops itself.
The landing page (lesson 00) is the hub's `c.Spawner.default_url` (deploy/hub/).
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

from labkit.emulator import access_guard as guard, access_peer as peer
from labkit.hub import course

BACKEND_LOG = Path(".labkit") / "backend.log"   # in the learner's home


def _jupyter_server_extension_points():
    return [{"module": "labkit.hub.extension"}]


def _load_jupyter_server_extension(serverapp) -> None:
    log = serverapp.log
    chosen = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("LABKIT_BACKEND")
    if chosen and chosen != "embedded":   # an endpoint URL, or localstack / aws
        log.info("labkit: a backend is already chosen (%s); not starting one", chosen)
        return
    copied = course.install(Path(serverapp.root_dir), course.course_dir())
    if copied:
        log.info("labkit: copied the course (%s) into %s", ", ".join(copied), serverapp.root_dir)
    endpoint, key = start_backend()
    log.info("labkit: this server's embedded backend: %s (kernels get AWS_ENDPOINT_URL)", endpoint)
    export_kernel_environment(endpoint, key)


def start_backend() -> tuple[str, str]:
    """Start this server's backend; return (endpoint, access key)."""
    from labkit.emulator.server import ServerProcess

    key = guard.new_key()
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_SESSION_TOKEN", "AWS_PROFILE")}
    env.update({"AWS_ACCESS_KEY_ID": key,         # the backend's own boto3 calls (Step Functions)
                "AWS_SECRET_ACCESS_KEY": "test"})
    # The guard needs Linux (access_peer.py), where shared hubs run; a Mac or Windows laptop
    # has one user, and there labkit's checks (signing with "test") must reach the backend.
    if peer.supported():
        env.update({guard.KEY_ENV: key,                         # the backend's guard
                    guard.TRUSTED_PID_ENV: str(os.getpid())})   # this server's process tree
    log_path = Path.home() / BACKEND_LOG
    log_path.parent.mkdir(parents=True, exist_ok=True)
    backend = ServerProcess(env=env, log_path=str(log_path)).start()
    atexit.register(_stop, backend)
    return backend.url, key


def _stop(backend) -> None:
    from labkit.lab_launcher import stop_tree

    if backend.proc is not None:
        stop_tree(backend.proc, grace=5.0)   # the backend and any Lambda worker it started
    backend.stop()


def export_kernel_environment(endpoint: str, key: str) -> None:
    """What every kernel and terminal this server starts inherits."""
    from labkit.lab_launcher import kernel_environment

    env = kernel_environment(endpoint)
    env["AWS_ACCESS_KEY_ID"] = key
    for name in set(os.environ) - set(env):   # e.g. a real AWS_SESSION_TOKEN: never to kernels
        del os.environ[name]
    os.environ.update(env)
