"""Free ports for servers a test starts on a fixed port (as `make lab PORT=... LAB_PORT=...`)."""
from __future__ import annotations

import random

from labkit.emulator.server import port_is_free


def free_port(exclude: tuple[int, ...] = ()) -> int:
    """A free port below Linux's ephemeral range (32768+): there, a port that is free now is
    not taken a moment later by some process's outgoing connection (the machine is shared)."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        if port not in exclude and port_is_free("127.0.0.1", port):
            return port
    raise RuntimeError("no free port found in 20000-32000")
