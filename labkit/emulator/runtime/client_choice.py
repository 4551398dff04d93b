"""Which Lambda runtime client the worker processes run, and why.

* ``awslambdaric``: AWS's own runtime interface client, what the managed Python runtimes
  run. Its wheels are manylinux only (the sdist compiles curl and aws-lambda-cpp), so it
  is used where it imports: Linux.
* ``portable``: our pure-Python client (portable_client.py), same Runtime API, same
  observable behaviour; used where awslambdaric does not import (macOS, Windows).

``LABKIT_RUNTIME_CLIENT=awslambdaric|portable`` forces one (default ``auto``);
``LABKIT_PORTABLE=1`` always means portable (it pretends awslambdaric does not exist).
"""
from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from typing import Mapping

from labkit.platform_support import PORTABLE_ENV, portable_mode

CLIENT_ENV = "LABKIT_RUNTIME_CLIENT"
MODULES = {"awslambdaric": "awslambdaric", "portable": "labkit.emulator.runtime.portable_client"}


@dataclass(frozen=True)
class RuntimeClient:
    name: str        # "awslambdaric" | "portable"
    reason: str      # why this one, in one sentence

    def command(self, handler: str) -> list[str]:
        """What a fresh execution environment runs."""
        return [sys.executable, "-m", MODULES[self.name], handler]

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "module": MODULES[self.name], "reason": self.reason}


@functools.lru_cache(maxsize=1)
def awslambdaric_problem() -> str | None:
    """None when awslambdaric imports with its native part, else what goes wrong."""
    try:
        from awslambdaric import lambda_runtime_client
    except Exception as exc:  # ImportError, or a native library that fails to load
        return f"{type(exc).__name__}: {exc}"
    if lambda_runtime_client.runtime_client is None:  # it swallows that ImportError itself
        return "its native part (runtime_client) does not import"
    return None


def choose(env: Mapping[str, str] | None = None) -> RuntimeClient:
    env = os.environ if env is None else env
    if portable_mode(env):
        return RuntimeClient("portable", f"{PORTABLE_ENV}=1 (the macOS/Windows paths, "
                                         f"forced on this machine; awslambdaric is not used)")
    forced = (env.get(CLIENT_ENV) or "auto").strip().lower()
    if forced == "portable":
        return RuntimeClient("portable", f"{CLIENT_ENV}=portable is set")
    problem = awslambdaric_problem()
    if forced == "awslambdaric":
        return RuntimeClient("awslambdaric", f"{CLIENT_ENV}=awslambdaric is set" + (
            f", but it does not import here ({problem}): functions will fail" if problem else ""))
    note = "" if forced == "auto" else f"{CLIENT_ENV}={forced!r} is not auto, awslambdaric or portable; "
    if problem is None:
        return RuntimeClient("awslambdaric", note + "it imports here (AWS's own runtime client)")
    return RuntimeClient("portable", note + f"awslambdaric does not import here ({problem}); "
                                            f"its wheels are for Linux only")
