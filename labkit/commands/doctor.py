"""labkit doctor: versions, which backend would be used and why, whether it answers, what to do.

The decision text is built by pure functions (why_this_backend, advice) so it is unit-tested
for every case; run() only gathers facts (environment, versions, one health request).
"""
from __future__ import annotations

import os
import sys
from importlib import metadata

from labkit.backends import DEFAULT_EMBEDDED_URL, Backend, BackendError, resolve
from labkit.emulator.runtime.client_choice import RuntimeClient, choose
from labkit.ministack import installed_version

HELP = "Show versions, which backend labkit would use and why, whether it answers, and what to do."
PACKAGES = ("labkit", "boto3", "moto", "awslambdaric", "aws-lambda-powertools", "jupyterlab")
MIN_PYTHON = (3, 11)
HEALTH_PATIENCE_S = 10.0   # how long the backend may take to answer its health request


def add_arguments(p) -> None:
    pass


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def why_this_backend(env: dict[str, str]) -> str:
    """One sentence: which environment variable (or default) chose the backend."""
    choice = (env.get("LABKIT_BACKEND") or "").strip().lower()
    endpoint = (env.get("AWS_ENDPOINT_URL") or "").strip()
    if choice and endpoint:
        return f"LABKIT_BACKEND={choice} and AWS_ENDPOINT_URL={endpoint} are set."
    if choice:
        return f"LABKIT_BACKEND={choice} is set."
    if endpoint:
        return (f"AWS_ENDPOINT_URL={endpoint} is set (LABKIT_BACKEND unset: an endpoint means "
                f"an emulator, treated as the embedded backend).")
    return (f"nothing is set (no LABKIT_BACKEND, no AWS_ENDPOINT_URL): the default is the embedded "
            f"backend `make lab` starts on {DEFAULT_EMBEDDED_URL}.")


def advice(backend: Backend, answers: bool, env: dict[str, str],
           ministack: str | None = None) -> list[str]:
    """What to do next; empty when everything is ready. ministack: its installed version."""
    if backend.name == "aws":
        return ["Real AWS: every resource is prefixed and tagged labkit:managed=true; run "
                "`labkit teardown --dry-run` then `labkit teardown --yes` when you are done, "
                "or you keep paying for what you left running."] + (
            [] if answers else ["AWS did not accept your credentials (sts get-caller-identity "
                                "failed): configure them (aws configure / AWS_PROFILE)."])
    if answers:
        return []
    if backend.name == "localstack":
        return [f"LocalStack does not answer at {backend.endpoint_url}. Start it with "
                f"`docker compose up -d localstack` and wait for it to be healthy; or unset "
                f"LABKIT_BACKEND to use the embedded backend."]
    if backend.name == "ministack":
        return [_ministack_advice(backend, env, ministack)]
    if env.get("AWS_ENDPOINT_URL"):
        return [f"Nothing answers at {backend.endpoint_url}. Start the backend there "
                f"(`labkit serve --port {_port(backend.endpoint_url)}`, or `make lab`), or unset "
                f"AWS_ENDPOINT_URL to let notebooks start their own."]
    return [f"No backend runs on {backend.endpoint_url} yet. That is fine: a notebook started "
            f"outside `make lab` starts its own. To share one backend between notebooks, run "
            f"`make lab` (or `labkit serve`). If port {_port(backend.endpoint_url)} is taken by "
            f"something else: `make lab PORT=4567`."]


def _ministack_advice(backend: Backend, env: dict[str, str], version: str | None) -> str:
    if env.get("AWS_ENDPOINT_URL"):
        return (f"No MiniStack answers at {backend.endpoint_url}. Start it there, or unset "
                f"AWS_ENDPOINT_URL to let notebooks start their own.")
    if not version:
        return ("MiniStack is not installed: run `make ministack` (it installs "
                "requirements-ministack.txt into .ministack/), or unset LABKIT_BACKEND to use "
                "the embedded backend.")
    return (f"No MiniStack runs on {backend.endpoint_url} yet. That is fine: a notebook started "
            f"with LABKIT_BACKEND=ministack starts its own from .ministack/.")


def _port(url: str | None) -> str:
    return (url or "").rsplit(":", 1)[-1].rstrip("/")


def usable(backend: Backend, answers: bool, env: dict[str, str],
           ministack: str | None = None) -> bool:
    """Would a notebook work right now? (Without AWS_ENDPOINT_URL, it can start its own
    embedded backend, or its own MiniStack once installed.)"""
    if answers:
        return True
    if env.get("AWS_ENDPOINT_URL"):
        return False
    return backend.name == "embedded" or (backend.name == "ministack" and bool(ministack))


def _aws_answers(backend: Backend) -> bool:
    try:
        backend.client("sts").get_caller_identity()
        return True
    except Exception:  # any failure here means "not usable": the advice says what to check
        return False


def running_client(health: dict) -> list[str]:
    """The runtime client a running embedded backend reports (none for other backends)."""
    running = (health.get("components") or {}).get("lambda-runtime", {}).get("runtime_client")
    if not running:
        return []
    return [f"  Lambda runtime client there: {running['name']}, because {running['reason']}"]


def report(env: dict[str, str], found_versions: dict[str, str | None],
           probe=None, client: RuntimeClient | None = None,
           ministack_version=installed_version) -> tuple[list[str], int]:
    """The doctor's lines and exit code. probe(backend) -> health dict or None, the
    runtime client choice (default: client_choice.choose(env)) and ministack_version() (the
    MiniStack in .ministack/, or None) are injected in tests."""
    client = client or choose(env)
    lines = ["labkit doctor", "", "Versions:"]
    problems = 0
    for name, version in found_versions.items():
        if name == "awslambdaric" and version is None and client.name == "portable":
            lines.append(f"  {name:<22} not installed (not needed: the portable client runs)")
            continue
        lines.append(f"  {name:<22} {version or 'NOT INSTALLED'}")
        if version is None:
            problems += 1
    if tuple(int(x) for x in found_versions["python"].split(".")[:2]) < MIN_PYTHON:
        lines.append(f"  Python >= {'.'.join(map(str, MIN_PYTHON))} is required.")
        problems += 1
    if problems:
        lines.append("  Fix: run `make setup` (creates .venv and installs the pinned requirements).")

    lines += ["", "Lambda runtime client (for a backend started here):",
              f"  {client.name}, because {client.reason}"]
    lines += ["", "Backend:"]
    try:
        backend = resolve(env)
    except BackendError as exc:
        lines += [f"  none usable: {exc}"]
        return lines, 1
    lines.append(f"  {backend.name} ({backend.endpoint_url or 'real AWS, region ' + backend.region}), "
                 f"because {why_this_backend(env)}")
    ministack = None
    if backend.name == "ministack":
        ministack = ministack_version()
        lines.append("  installed in .ministack/: "
                     + (f"yes (MiniStack {ministack})" if ministack else "no"))
    if backend.name == "aws":
        answers = _aws_answers(backend) if probe is None else bool(probe(backend))
        lines.append(f"  credentials accepted: {'yes' if answers else 'no'}")
    else:
        # a busy machine can take seconds to answer; nothing listening is refused at once
        health = (probe or (lambda b: b.health(timeout=HEALTH_PATIENCE_S)))(backend)
        answers = health is not None
        if answers:
            detail = health.get("labkit", health)
            lines.append(f"  answers: yes ({detail.get('backend', backend.name)} "
                         f"{detail.get('version', '?')}, patches: {len(detail.get('patches', []))}, "
                         f"components: {', '.join(detail.get('components', {})) or 'none'})")
            lines += running_client(detail)
        else:
            lines.append("  answers: no")
    todo = advice(backend, answers, env, ministack)
    if todo:
        lines += ["", "What to do:"] + [f"  - {t}" for t in todo]
    ok = usable(backend, answers, env, ministack) and not problems
    lines += ["", "ready." if ok else "not ready."]
    return lines, 0 if ok else 1


def run(args) -> int:
    lines, code = report(dict(os.environ), versions())
    print("\n".join(lines))
    return code
