"""labkit.isolation.ports: a free port is one a server can bind, never a taken one, and lies
below the ephemeral ranges (where outgoing connections would take ports in between)."""
from __future__ import annotations

import socket

from labkit.isolation import ports


def test_a_free_port_can_be_bound_and_is_below_the_ephemeral_ranges():
    port = ports.free_port()
    assert ports.RANGE[0] <= port < ports.RANGE[1] < 32768
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def _bind_a_port_in_range(s: socket.socket) -> int:
    """Bind s to a port of RANGE that nothing holds (`make test` runs servers on such ports at
    the same time as this test: a fixed one was once taken, run 23d)."""
    for _ in range(20):
        port = ports.free_port()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:   # taken between the two steps: draw again
            continue
    raise AssertionError("no port of the range could be bound")


def test_a_taken_or_excluded_port_is_never_offered(monkeypatch):
    with socket.socket() as taken:
        port = _bind_a_port_in_range(taken)
        taken.listen()
        assert not ports.port_is_free("127.0.0.1", port)
        excluded = ports.free_port(exclude=(port,))
        free = ports.free_port(exclude=(port, excluded))
        offered = iter([port, excluded, free])

        class Draws:
            def randrange(self, *_):
                return next(offered)

        monkeypatch.setattr(ports.random, "SystemRandom", Draws)
        assert ports.free_port(exclude=(excluded,)) == free
