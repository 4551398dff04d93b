"""Which backend the notebooks talk to, and boto3 clients for it.

Contract (README "Backends"):
  * ``AWS_ENDPOINT_URL`` set            -> that endpoint (embedded or LocalStack);
  * ``LABKIT_BACKEND=embedded|localstack|ministack|aws`` chooses explicitly;
  * nothing set                         -> the embedded backend ``make lab`` started on
    127.0.0.1:4566, or, if none answers there, one this process starts for itself.
``ministack`` does the same with MiniStack: the one answering at the endpoint, or, unless
``AWS_ENDPOINT_URL`` names it, one this process starts from .ministack/ (``make ministack``).
The ``aws`` backend refuses to run unless ``LABKIT_AWS_CONFIRM=1``.

Learner code stays plain boto3: ``connect()`` only puts the endpoint, a region and (for
emulators) dummy credentials into the environment, which boto3 honours natively.
"""
from __future__ import annotations

import atexit
import json
import os
import urllib.request
from dataclasses import dataclass

from labkit.backend_gaps import require
from labkit.emulator.access_guard import client_headers, is_hub_key
from labkit.ministack import HEALTH_PATH as MINISTACK_HEALTH_PATH
from labkit.ministack import MiniStackProcess, installed_version

BACKENDS = ("embedded", "localstack", "ministack", "aws")
DEFAULT_EMBEDDED_URL = "http://127.0.0.1:4566"
DEFAULT_MINISTACK_URL = "http://127.0.0.1:4566"  # MiniStack's own default port (GATEWAY_PORT)
HEALTH_PATHS = {"embedded": "/_labkit/health", "localstack": "/_localstack/health",
                "ministack": MINISTACK_HEALTH_PATH}
DEFAULT_REGION = "us-east-1"


class BackendError(RuntimeError):
    """The chosen backend cannot be used; the message says what to do."""


@dataclass
class Backend:
    name: str                 # embedded | localstack | ministack | aws
    endpoint_url: str | None  # None for real AWS
    region: str = DEFAULT_REGION
    started_here: bool = False

    @property
    def is_emulated(self) -> bool:
        return self.name != "aws"

    def client(self, service: str, **kwargs):
        import boto3

        kwargs.setdefault("region_name", self.region)
        if self.endpoint_url:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        return boto3.client(service, **kwargs)

    def health(self, timeout: float = 2.0) -> dict | None:
        """The backend's health document, or None if it does not answer."""
        if not self.endpoint_url:
            return None
        return fetch_json(self.endpoint_url + HEALTH_PATHS[self.name], timeout)


def fetch_json(url: str, timeout: float = 2.0) -> dict | None:
    try:  # on a hub, the learner's backend answers labkit's own routes only with their key
        with urllib.request.urlopen(urllib.request.Request(url, headers=client_headers()),
                                    timeout=timeout) as resp:
            return json.loads(resp.read())
    except (OSError, ValueError):
        return None


def resolve(environ: dict[str, str] | None = None) -> Backend:
    """Decide the backend from the environment, without starting anything."""
    env = os.environ if environ is None else environ
    region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION
    choice = (env.get("LABKIT_BACKEND") or "").strip().lower()
    endpoint = (env.get("AWS_ENDPOINT_URL") or "").strip() or None
    if choice and choice not in BACKENDS:
        raise BackendError(f"LABKIT_BACKEND={choice!r} is not one of {', '.join(BACKENDS)}.")
    if choice == "aws":
        if env.get("LABKIT_AWS_CONFIRM") != "1":
            raise BackendError(
                "LABKIT_BACKEND=aws creates real, billed resources in your AWS account. "
                "Set LABKIT_AWS_CONFIRM=1 to confirm, and run `labkit teardown` afterwards.")
        if endpoint:
            raise BackendError("LABKIT_BACKEND=aws but AWS_ENDPOINT_URL is set: unset one of them.")
        return Backend("aws", None, region)
    if choice == "localstack":
        return Backend("localstack", endpoint or "http://localhost:4566", region)
    if choice == "ministack":
        return Backend("ministack", endpoint or DEFAULT_MINISTACK_URL, region)
    return Backend("embedded", endpoint or DEFAULT_EMBEDDED_URL, region)


_started = None  # the ServerProcess or MiniStackProcess this Python process started, if any

# What to do when nothing answers at an endpoint the learner named (AWS_ENDPOINT_URL).
HOW_TO_START = {
    "embedded": "Start one with `labkit serve` (or `make lab`), or unset AWS_ENDPOINT_URL.",
    "ministack": "Start MiniStack there, or unset AWS_ENDPOINT_URL to let labkit start its own.",
}


def connect(start_if_missing: bool = True, needs: list[str] | tuple[str, ...] = ()) -> Backend:
    """Resolve the backend, make sure it answers, and point boto3 at it via the environment.
    ``needs``: what the notebook depends on (labkit.backend_gaps.NEEDS); on a backend known to
    lack one of them, stop here with an explanation (BackendLacks) before anything is started."""
    backend = resolve()
    require(backend.name, needs)
    # A named endpoint (AWS_ENDPOINT_URL) that is slow to answer is a busy machine, not a missing
    # backend: give it time. Nothing listening still fails at once (the connection is refused).
    patience = 30.0 if os.environ.get("AWS_ENDPOINT_URL") else 2.0
    if backend.name in HOW_TO_START and backend.health(timeout=patience) is None:
        backend = _start_own(backend, start_if_missing)
    elif backend.name == "aws":
        from labkit.aws_resources import install_default_tagging

        install_default_tagging()  # plain boto3 create calls get the tags `labkit teardown` finds
    elif backend.name == "localstack" and backend.health() is None:
        raise BackendError(
            f"LocalStack does not answer at {backend.endpoint_url}. Start it with "
            f"`docker compose up -d localstack` (see README, Backends).")
    _export(backend)
    return backend


def _start_own(backend: Backend, start_if_missing: bool) -> Backend:
    """An emulator of the chosen kind for this process, stopped when it exits."""
    global _started
    label = "embedded backend" if backend.name == "embedded" else "MiniStack"
    if os.environ.get("AWS_ENDPOINT_URL") or not start_if_missing:
        raise BackendError(f"No {label} answers at {backend.endpoint_url}. "
                           f"{HOW_TO_START[backend.name]}")
    if backend.name == "embedded":
        from labkit.emulator.server import ServerProcess

        _started = ServerProcess().start()
    else:
        if installed_version() is None:
            raise BackendError("LABKIT_BACKEND=ministack, but MiniStack is not installed: run "
                               "`make ministack` (it installs it into .ministack/), or unset "
                               "LABKIT_BACKEND to use the embedded backend.")
        _started = MiniStackProcess().start()
    atexit.register(_started.stop)
    return Backend(backend.name, _started.url, backend.region, started_here=True)


def _export(backend: Backend) -> None:
    os.environ["LABKIT_BACKEND"] = backend.name
    os.environ.setdefault("AWS_DEFAULT_REGION", backend.region)
    if backend.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = backend.endpoint_url
        # Emulators accept any credentials; never let a learner's real keys leak to them.
        # A hub learner's LKIA... key is no real credential, and their backend wants it: keep it.
        if not is_hub_key(os.environ.get("AWS_ACCESS_KEY_ID")):
            os.environ["AWS_ACCESS_KEY_ID"] = "test"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
        os.environ.pop("AWS_SESSION_TOKEN", None)
