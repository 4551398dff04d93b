"""Ports for the servers labkit and its tests start on 127.0.0.1 (MiniStack, PostgreSQL, a
JupyterLab, a hub): whether one is free, and a free one.

A port found free is free when asked, not when the server binds it a moment later. Ports are
picked below the ephemeral ranges (Linux 32768-60999; macOS and Windows 49152-65535), from which
the system hands out the local ports of outgoing connections: there, only another server that
picks the same way can take one in between. Callers that pick a port themselves still retry a
start that found it taken (labkit.ministack, labkit.postgres).
"""
from __future__ import annotations

import random
import socket

RANGE = (20000, 32000)     # below every ephemeral range


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", exclude: tuple[int, ...] = ()) -> int:
    """A port free on ``host`` now, at random in RANGE, not one of ``exclude``."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(*RANGE)
        if port not in exclude and port_is_free(host, port):
            return port
    raise RuntimeError(f"no free port found in {RANGE[0]}-{RANGE[1]}")
